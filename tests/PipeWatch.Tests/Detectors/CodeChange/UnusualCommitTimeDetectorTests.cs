using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

public sealed class UnusualCommitTimeDetectorTests
{
    private static readonly DateTime Sunday = CodeChangeHistory.Start.AddDays(41);

    [Fact]
    public void A_commit_at_three_on_a_sunday_morning_by_a_weekday_author_is_reported_naming_their_hours()
    {
        var history = new CodeChangeHistory().Normal();

        var commit = history.Commit(CodeChangeHistory.At("Alice", Sunday, 3, 0, TimeSpan.FromHours(1)), ("src/alice/module.txt", "late change\n"));

        var finding = Assert.Single(history.Findings);
        Assert.Equal((Categories.UnusualTime, "code-change.unusual-time", commit.Sha, "alice@example.com"), (finding.Category, finding.Rule, finding.Location.Commit, finding.Entity.Actor));
        Assert.Equal(
            "alice@example.com committed on Sunday 03:00 on their own clock (UTC+01:00); of their 31 earlier commits 0 fell within 1 hour(s) of that time of week and 0 at 03:00 on any day; " +
            "the nearest hour of the day with any commit (any day) is 6 hour(s) away, and a smoothed hour-of-day model of those 31 commits expects 0.0% of them in that hour; " +
            "their busiest hours are Monday 10:00 ×6, Tuesday 10:00 ×6, Wednesday 10:00 ×6.",
            finding.Explanation);
    }

    [Fact]
    public void The_usual_local_hour_in_another_offset_is_not_an_unusual_time()
    {
        var history = new CodeChangeHistory().Normal();

        history.Commit(CodeChangeHistory.At("Bob", Sunday.AddDays(2), 11, 15, TimeSpan.FromHours(-4)), ("src/bob/module.txt", "from the road\n"));

        Assert.DoesNotContain(history.Findings, f => f.Category == Categories.UnusualTime);
    }

    [Fact]
    public void Two_weeks_of_history_are_too_few_for_an_author_profile_and_nothing_is_reported()
    {
        var history = new CodeChangeHistory().Normal(weeks: 1);

        history.Commit(CodeChangeHistory.At("Alice", CodeChangeHistory.Start.AddDays(6), 3, 0, TimeSpan.FromHours(1)), ("src/alice/module.txt", "x\n"));

        Assert.Empty(history.Findings);
    }

    [Fact]
    public void A_new_hour_of_the_week_at_a_familiar_hour_of_the_day_is_not_unusual()
    {
        var history = new CodeChangeHistory().Normal();

        // Alice has committed at 09:30 and around 10:00 on weekdays; Saturday 11:20 is a cell she never used, at an hour she keeps.
        history.Commit(CodeChangeHistory.At("Alice", Sunday.AddDays(-1), 11, 20, TimeSpan.FromHours(1)), ("src/alice/module.txt", "weekend fix\n"));

        Assert.Empty(history.Findings);
    }
}
