using System.Globalization;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Finds a repository deploying to an environment far more often than it does at that hour of the week, or in a burst.</summary>
/// <remarks>
/// Per repository and environment: deployments per hour over the last weeks. The hour's count is compared with the same
/// hour of the week (and the hours either side) in earlier weeks: above the Poisson upper bound at their mean, and at
/// least the minimum count, it fires. The burst rule fires on N deployments within a short window whatever the history.
/// Each deployment id counts once; one finding per key per hour.
/// </remarks>
internal sealed class ExcessiveFrequencyDetector : IDetector
{
    private readonly ExcessiveFrequencyOptions _options;

    public ExcessiveFrequencyDetector(ExcessiveFrequencyOptions? options = null) => _options = options ?? new ExcessiveFrequencyOptions();

    public DetectorInfo Info { get; } = new(
        "deployment.excessive-frequency",
        Categories.ExcessiveFrequency,
        [EventKind.Deployment],
        "Deployments per hour far above the same hour of the week in earlier weeks (Poisson), or a burst of deployments.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Deployment is not { } deployment || DeploymentKeys.IsReview(e)) return;
        var scope = DeploymentKeys.Scope(e);
        var counts = context.Baselines.Get<HourlyDeployCounts>(DeploymentKeys.Key(scope, deployment.Environment));
        if (!counts.CountDeployment(DeploymentKeys.DeploymentId(e)) || !counts.Add(e.Timestamp, _options.BurstCount)) return;

        var hour = HourlyDeployCounts.HourOf(e.Timestamp);
        if (hour != counts.LastHour || counts.FiredHour == hour) return;
        var count = counts.CountAt(hour);
        var explanation = Burst(e, counts) ?? Rate(counts, hour, count);
        if (explanation is null) return;

        counts.FiredHour = hour;
        var start = DateTimeOffset.FromUnixTimeSeconds(hour * 3600);
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"{count.ToString(CultureInfo.InvariantCulture)} deployments of '{scope}' to '{deployment.Environment}' within the hour from {start:yyyy-MM-dd HH:00} UTC",
            Explanation = $"'{scope}' deployed to '{deployment.Environment}' {count.ToString(CultureInfo.InvariantCulture)} times in the hour from " +
                $"{start.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture)} UTC ({start.DayOfWeek} {start:HH}:00). " + explanation,
            Entity = new Entity(scope, e.Ci.Pipeline.Length == 0 ? null : e.Ci.Pipeline, Actor: e.UserName, Environment: deployment.Environment),
            Location = new Location(e.Ci.RunId.Length == 0 ? null : e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("deployments_this_hour", count.ToString(CultureInfo.InvariantCulture)),
                Evidence.Of("hour", start.ToString("yyyy-MM-dd'T'HH:00:00'Z'", CultureInfo.InvariantCulture)),
            ],
            Techniques = ["T1610"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, scope, deployment.Environment, hour.ToString(CultureInfo.InvariantCulture)),
        });
    }

    /// <summary>The burst rule's explanation, or null when the latest deployments are not that close together.</summary>
    private string? Burst(Event e, HourlyDeployCounts counts)
    {
        var since = e.Timestamp.UtcTicks - _options.BurstWindow.Ticks;
        var inWindow = counts.RecentTimes.Count(t => t >= since && t <= e.Timestamp.UtcTicks);
        if (inWindow < _options.BurstCount) return null;
        return $"A burst: {inWindow.ToString(CultureInfo.InvariantCulture)} deployments within {Pipeline.Durations.Format(_options.BurstWindow.TotalSeconds)} " +
            $"(threshold {_options.BurstCount.ToString(CultureInfo.InvariantCulture)} within {Pipeline.Durations.Format(_options.BurstWindow.TotalSeconds)}).";
    }

    /// <summary>The hourly rule's explanation, or null when the count is plausible for this hour of the week.</summary>
    private string? Rate(HourlyDeployCounts counts, long hour, int count)
    {
        var weeks = (int)Math.Min((hour - counts.FirstHour) / HourlyDeployCounts.HoursPerWeek, Math.Min(_options.Weeks, HourlyDeployCounts.MaximumWeeks - 1));
        if (weeks < _options.MinimumWeeks || count < _options.MinimumCount) return null;

        var history = new List<int>(weeks * 3);
        for (var week = 1; week <= weeks; week++)
        {
            var same = hour - (week * HourlyDeployCounts.HoursPerWeek);
            for (var offset = -1; offset <= 1; offset++) history.Add(counts.CountAt(same + offset));
        }

        var mean = history.Average();
        var bound = Poisson.UpperBound(mean, _options.Probability);
        if (count <= bound) return null;
        return $"The same hour of the week (±1 hour) over the previous {weeks.ToString(CultureInfo.InvariantCulture)} weeks had a mean of " +
            $"{mean.ToString("0.##", CultureInfo.InvariantCulture)} deployments (max {history.Max().ToString(CultureInfo.InvariantCulture)}, {history.Count.ToString(CultureInfo.InvariantCulture)} hours); " +
            $"more than {bound.ToString(CultureInfo.InvariantCulture)} in an hour has a Poisson probability below {_options.Probability.ToString(CultureInfo.InvariantCulture)} " +
            $"(minimum {_options.MinimumCount.ToString(CultureInfo.InvariantCulture)}).";
    }
}
