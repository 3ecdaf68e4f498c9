namespace PipeWatch.Baselines;

/// <summary>
/// A smoothed, circular hour-of-day model of an hour-of-week profile, weekdays and weekends apart: how much of an actor's activity
/// the model expects at an hour, and how far that hour is from any hour the actor was ever active at.
/// </summary>
/// <remarks>
/// The hour-of-week profile has 168 cells; a few dozen commits leave most of them empty, so "no commit in this cell" says little.
/// Folded to 24 hours (23:00 is next to 00:00) and smoothed with a Gaussian kernel, the same commits describe a working day. Weekends
/// are modelled apart once the actor has enough weekend activity; before that, every day counts.
/// </remarks>
internal static class HourOfDayModel
{
    /// <summary>Activity on the commit's kind of day (weekday or weekend) needed before that kind is modelled on its own.</summary>
    public const int MinimumDayKindSamples = 10;

    /// <summary>What the model says about one time.</summary>
    /// <param name="Share">The smoothed share of activity the model expects within that hour (0 to 1).</param>
    /// <param name="Distance">Hours, around the clock, to the nearest hour with any activity (24 when there is none).</param>
    /// <param name="DayKind">"weekday", "weekend" or "any day": which activity the model was built from.</param>
    /// <param name="Samples">The activity it was built from.</param>
    public readonly record struct Judgement(double Share, int Distance, string DayKind, long Samples);

    /// <summary>Judges <paramref name="at"/> (on the clock the profile was learned on) against <paramref name="profile"/>.</summary>
    public static Judgement Judge(HourOfWeekProfile profile, DateTimeOffset at, double bandwidthHours = 1.5)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var bucket = HourOfWeekProfile.Bucket(at);
        var weekend = IsWeekend(bucket);
        var counts = new double[24];
        long samples = 0;
        for (var b = 0; b < HourOfWeekProfile.Hours; b++)
        {
            if (IsWeekend(b) != weekend) continue;
            counts[b % 24] += profile[b];
            samples += profile[b];
        }

        var kind = weekend ? "weekend" : "weekday";
        if (samples < MinimumDayKindSamples)
        {
            Array.Clear(counts);
            for (var b = 0; b < HourOfWeekProfile.Hours; b++) counts[b % 24] += profile[b];
            samples = profile.Total;
            kind = "any day";
        }

        var hour = bucket % 24;
        var distance = 24;
        double weighted = 0, norm = 0;
        for (var h = 0; h < 24; h++)
        {
            var d = Circular(hour, h);
            var k = Math.Exp(-(d * d) / (2 * bandwidthHours * bandwidthHours));
            norm += k;
            weighted += counts[h] * k;
            if (counts[h] > 0) distance = Math.Min(distance, d);
        }

        return new Judgement(samples == 0 ? 0 : weighted / norm / samples, distance, kind, samples);
    }

    private static bool IsWeekend(int bucket) => bucket / 24 is 0 or 6;

    private static int Circular(int a, int b)
    {
        var d = Math.Abs(a - b);
        return Math.Min(d, 24 - d);
    }
}
