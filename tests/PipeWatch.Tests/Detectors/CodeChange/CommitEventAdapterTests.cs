using PipeWatch.Detectors;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Events;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The adapter that runs event detectors over scanned commits: the commit event it builds (once per commit for all the adapters of a scan), and learn-only commits teaching without reporting.</summary>
public sealed class CommitEventAdapterTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 10, 0, 0, TimeSpan.FromHours(1));

    [Fact]
    public void A_scanned_commit_becomes_the_commit_event_with_offsets_files_counts_and_codeowners()
    {
        var bench = new CommitBench { Signature = SignatureState.Signed };
        var commit = bench.Commit(CommitBench.Person("Alice", Monday), ("src/a.txt", "one\ntwo\n"), (".github/CODEOWNERS", "* @alice\n"));

        var e = CommitEvents.From(commit, CommitBench.Repository, bench);

        Assert.Equal((EventKind.Commit, "git.commit", $"commit:{CommitBench.Repository}:{commit.Sha}", Monday), (e.Kind, e.Dataset, e.Id, e.Timestamp));
        Assert.Equal(TimeSpan.FromHours(1), e.Timestamp.Offset);
        Assert.Equal(new CommitPerson("Alice", "alice@example.com", null, Monday), e.Commit!.Author);
        Assert.Equal(
            [new CommitFile("src/a.txt", CommitFileChange.Added, 2, 0), new CommitFile(".github/CODEOWNERS", CommitFileChange.Added, 1, 0)],
            e.Commit.Files);
        Assert.Equal((CommitSignature.Signed, (int?)3, (int?)0, (CommitPerson?)null), (e.Commit.Signature, e.Commit.LinesAdded, e.Commit.LinesDeleted, e.Commit.Pusher));
        Assert.Equal("* @alice\n", e.Fields[CommitEvents.CodeOwnersField]);
    }

    [Fact]
    public void Learn_only_commits_teach_the_detector_and_report_nothing()
    {
        var bench = new CommitBench();
        var detector = new CommitEventAdapter(new UnauthorizedAuthorDetector());
        for (var i = 0; i < 10; i++) bench.Run(detector, bench.Commit(CommitBench.Person("Alice", Monday.AddDays(i)), ("src/a.txt", $"v{i}\n")), learnOnly: true);
        bench.Run(detector, bench.Commit(CommitBench.Person("Mallory", Monday.AddDays(10)), ("src/a.txt", "m1\n")), learnOnly: true);
        Assert.Empty(bench.Findings);

        bench.Run(detector, bench.Commit(CommitBench.Person("Eve", Monday.AddDays(11)), ("src/a.txt", "e1\n")));

        var finding = Assert.Single(bench.Findings);
        Assert.Equal(detector.Info.Id, finding.Rule);
        Assert.StartsWith("Eve <eve@example.com> never committed to 'octo-org/octo-repo' before: its 11 earlier commits were by 2 author(s) (alice@example.com ×10, mallory@example.com ×1)", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapters_sharing_each_commits_event_report_what_adapters_of_their_own_report()
    {
        // A history with a CODEOWNERS file, a stranger changing an owned file, a new author and a large deletion: every
        // adapter-run detector has something to say, and each must say the same whether the event is built once or per detector.
        IReadOnlyList<ICommitDetector> Detectors(CommitEventAdapter.SharedEvent? shared) =>
        [
            new CommitEventAdapter(new UnauthorizedAuthorDetector(), shared),
            new CommitEventAdapter(new UnusualCommitTimeDetector(), shared),
            new CommitEventAdapter(new LargeDeletionDetector(), shared),
        ];

        var findings = new List<string>[2];
        for (var run = 0; run < 2; run++)
        {
            var bench = new CommitBench();
            var detectors = Detectors(run == 0 ? null : new CommitEventAdapter.SharedEvent());
            var big = string.Concat(Enumerable.Range(0, 400).Select(i => $"line {i}\n"));
            void Step(GitCommit commit)
            {
                foreach (var detector in detectors) bench.Run(detector, commit);
            }

            Step(bench.Commit(CommitBench.Person("Alice", Monday), (".github/CODEOWNERS", "/src/ alice@example.com\n"), ("src/big.txt", big)));
            for (var i = 1; i < 25; i++) Step(bench.Commit(CommitBench.Person("Alice", Monday.AddDays(i)), ("src/a.txt", $"v{i}\n")));
            Step(bench.Commit(CommitBench.Person("Mallory", Monday.AddDays(25).AddHours(-7)), ("src/a.txt", "m\n"), ("src/big.txt", null)));
            findings[run] = [.. bench.Findings.Select(f => $"{f.Rule} | {f.Title} | {f.Explanation} | {f.Fingerprint}")];
        }

        Assert.Contains(findings[0], f => f.StartsWith("code-change.unauthorized-author", StringComparison.Ordinal) && f.Contains("CODEOWNERS gives src/a.txt", StringComparison.Ordinal));
        Assert.Contains(findings[0], f => f.StartsWith("code-change.large-deletion", StringComparison.Ordinal));
        Assert.Equal(findings[0], findings[1]);
    }

    [Fact]
    public void The_shared_event_is_built_once_per_commit()
    {
        var bench = new CommitBench();
        var shared = new CommitEventAdapter.SharedEvent();
        var first = bench.Commit(CommitBench.Person("Alice", Monday), ("src/a.txt", "one\n"));
        var second = bench.Commit(CommitBench.Person("Alice", Monday.AddHours(1)), ("src/a.txt", "two\n"));

        var e = shared.Of(first, CommitBench.Repository, bench);
        Assert.Same(e, shared.Of(first, CommitBench.Repository, bench));
        Assert.Equal(second.Sha, shared.Of(second, CommitBench.Repository, bench).Commit!.Sha);
        Assert.Equal("other/repo", shared.Of(second, "other/repo", bench).Ci.Repository);
    }
}
