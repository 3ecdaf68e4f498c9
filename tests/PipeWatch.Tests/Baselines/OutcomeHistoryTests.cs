using PipeWatch.Baselines;
using Xunit;

namespace PipeWatch.Tests.Baselines;

public sealed class OutcomeHistoryTests
{
    [Fact]
    public void Empty_history_has_a_failure_rate_of_zero()
    {
        var history = OutcomeHistory.Create();

        Assert.Equal((0, 0, 0.0, 0), (history.Count, history.Failures, history.FailureRate, history.CurrentStreak));
    }

    [Fact]
    public void Failure_rate_is_failures_over_outcomes()
    {
        var history = With(true, true, false, true);

        Assert.Equal(4, history.Count);
        Assert.Equal(3, history.Failures);
        Assert.Equal(0.75, history.FailureRate);
    }

    [Fact]
    public void Streak_counts_the_failures_since_the_last_pass()
    {
        var history = With(true, false, true, true, true);

        Assert.Equal(3, history.CurrentStreak);
    }

    [Fact]
    public void Pass_ends_the_streak()
    {
        var history = With(true, true, false);

        Assert.Equal(0, history.CurrentStreak);
        Assert.Equal(2, history.Failures);
    }

    [Fact]
    public void Window_holds_the_last_64_outcomes()
    {
        var history = With(true);
        for (var i = 0; i < 63; i++)
        {
            history.Add(false);
        }

        Assert.Equal(64, history.Count);
        Assert.Equal(1, history.Failures);
        Assert.Equal(1.0 / 64, history.FailureRate);

        history.Add(false);

        // The failure was the 65th most recent outcome: it has left the window.
        Assert.Equal(OutcomeHistory.Capacity, history.Count);
        Assert.Equal(0, history.Failures);
        Assert.Equal(0, history.FailureRate);
    }

    [Fact]
    public void Streak_is_not_capped_by_the_window()
    {
        var history = OutcomeHistory.Create();
        for (var i = 0; i < 70; i++)
        {
            history.Add(true);
        }

        Assert.Equal(70, history.CurrentStreak);
        Assert.Equal(64, history.Failures);
        Assert.Equal(1.0, history.FailureRate);
    }

    [Fact]
    public void Round_trip_keeps_count_failures_and_streak()
    {
        var history = With(false, true, false, false, true, true);

        var copy = RoundTrip(history);

        Assert.Equal((6, 3, 0.5, 2), (copy.Count, copy.Failures, copy.FailureRate, copy.CurrentStreak));
    }

    [Fact]
    public void Round_trip_keeps_the_order_of_outcomes_in_the_window()
    {
        var history = With(true);
        for (var i = 0; i < 62; i++)
        {
            history.Add(false);
        }

        var copy = RoundTrip(history);
        copy.Add(false);
        Assert.Equal(1, copy.Failures);
        copy.Add(false);

        Assert.Equal(0, copy.Failures);
    }

    private static OutcomeHistory With(params bool[] failures)
    {
        var history = OutcomeHistory.Create();
        foreach (var failed in failures)
        {
            history.Add(failed);
        }

        return history;
    }

    private static OutcomeHistory RoundTrip(OutcomeHistory history)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            history.Write(writer);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        return OutcomeHistory.Read(reader);
    }
}
