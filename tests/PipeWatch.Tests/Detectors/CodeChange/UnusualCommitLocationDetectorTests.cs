using Microsoft.Extensions.Time.Testing;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

public sealed class UnusualCommitLocationDetectorTests
{
    private static readonly DateTime Tuesday = CodeChangeHistory.Start.AddDays(43);

    [Fact]
    public void A_commit_at_the_usual_local_hour_from_a_new_utc_offset_is_reported_naming_the_known_offsets()
    {
        var history = new CodeChangeHistory().Normal();

        var commit = history.Commit(CodeChangeHistory.At("Alice", Tuesday, 10, 5, TimeSpan.FromHours(8)), ("src/alice/module.txt", "from far away\n"));

        var finding = Assert.Single(history.Findings);
        Assert.Equal((Categories.UnusualLocation, "code-change.unusual-location", commit.Sha), (finding.Category, finding.Rule, finding.Location.Commit));
        Assert.Equal("Alice <alice@example.com> committed with clock offset UTC+08:00, never used in their 31 earlier commits (UTC+01:00 ×31).", finding.Explanation);
    }

    [Fact]
    public void A_daylight_saving_shift_of_one_hour_is_not_a_new_place()
    {
        var history = new CodeChangeHistory().Normal();

        history.Commit(CodeChangeHistory.At("Alice", Tuesday, 10, 5, TimeSpan.FromHours(2)), ("src/alice/module.txt", "summer time\n"));

        Assert.Empty(history.Findings);
    }

    [Fact]
    public void A_push_from_a_country_never_seen_for_the_actor_is_reported()
    {
        var bench = new CommitBench();
        var findings = new List<Finding>();
        var detector = new UnusualCommitLocationDetector();
        var context = new DetectionContext(new BaselineSet(detector.Info.Id, bench), new FakeTimeProvider(), findings.Add);
        var when = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(1));
        for (var i = 0; i < 10; i++) detector.Inspect(Push("de" + i, when.AddDays(i), new Client("198.51.100.7", "DE")), context);

        detector.Inspect(Push("kp", when.AddDays(11), new Client("203.0.113.50", "KP")), context);

        var finding = Assert.Single(findings);
        Assert.Equal(
            "alice@example.com pushed from KP (203.0.113.50, a new address), a country not seen in their 10 earlier located pushes (DE ×10).",
            finding.Explanation);
    }

    private static Event Push(string sha, DateTimeOffset when, Client client)
    {
        var person = new CommitPerson("Alice", "alice@example.com", "alice", when);
        var info = new CommitInfo(sha, person, person, person, CommitSignature.Unknown, [new CommitFile("README.md", CommitFileChange.Modified)], null, null);
        return CommitEvents.Of(info, "octo-org/octo-repo", "github.push", "github", "main", new Origin("push.json"), client);
    }
}
