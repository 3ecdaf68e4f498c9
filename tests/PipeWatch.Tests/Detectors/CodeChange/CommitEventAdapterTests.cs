using PipeWatch.Detectors.CodeChange;
using PipeWatch.Events;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The adapter that runs event detectors over scanned commits: the commit event it builds, and learn-only commits teaching without reporting.</summary>
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
}
