using System.Globalization;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>What one scrape of a CI server's own Prometheus endpoint says about its load: queue length, executors busy, mean job duration.</summary>
/// <remarks>
/// Jenkins (Prometheus plugin, <c>/prometheus</c>): <c>jenkins_queue_size_value</c>, <c>jenkins_executor_in_use_value</c>,
/// <c>jenkins_executor_count_value</c>, and the builds' duration summary <c>*_jenkins_builds_duration_milliseconds_summary</c>
/// (its <c>_sum</c>/<c>_count</c> over every job; the namespace prefix is <c>default</c> unless configured), else the largest
/// <c>*_jenkins_builds_last_build_duration_milliseconds</c>. GitLab Runner (<c>:9252/metrics</c>): the jobs running are the sum of
/// <c>gitlab_runner_jobs</c>, the capacity <c>gitlab_runner_concurrent</c>, the job duration the
/// <c>gitlab_runner_job_duration_seconds</c> histogram's <c>_sum</c>/<c>_count</c>. Every other metric is ignored. A job
/// duration from a histogram or summary is the mean since the server started (one scrape has no earlier one to subtract).
/// </remarks>
internal sealed record CiServerMetrics(string Kind, double? QueueLength, double? ExecutorsBusy, double? Executors, double? JobDurationSeconds)
{
    public const string Jenkins = "jenkins";
    public const string GitLabRunner = "gitlab-runner";

    /// <summary>The CI server's numbers, or null when the scrape holds none of the metrics above.</summary>
    public static CiServerMetrics? Of(Exposition scrape)
    {
        ArgumentNullException.ThrowIfNull(scrape);
        double? queue = null, busy = null, executors = null, runnerBusy = null, concurrent = null;
        double jenkinsSum = 0, jenkinsCount = 0, runnerSum = 0, runnerCount = 0;
        double? lastBuild = null;
        var jenkins = false;
        var runner = false;
        foreach (var s in scrape.Samples)
        {
            if (!double.IsFinite(s.Value) || s.Value < 0) continue;
            var name = s.Name;
            switch (name)
            {
                case "jenkins_queue_size_value":
                    queue = (queue ?? 0) + s.Value;
                    jenkins = true;
                    continue;
                case "jenkins_executor_in_use_value":
                    busy = (busy ?? 0) + s.Value;
                    jenkins = true;
                    continue;
                case "jenkins_executor_count_value":
                    executors = (executors ?? 0) + s.Value;
                    jenkins = true;
                    continue;
                case "gitlab_runner_jobs":
                    runnerBusy = (runnerBusy ?? 0) + s.Value;
                    runner = true;
                    continue;
                case "gitlab_runner_concurrent":
                    concurrent = (concurrent ?? 0) + s.Value;
                    runner = true;
                    continue;
                case "gitlab_runner_job_duration_seconds_sum":
                    runnerSum += s.Value;
                    runner = true;
                    continue;
                case "gitlab_runner_job_duration_seconds_count":
                    runnerCount += s.Value;
                    runner = true;
                    continue;
            }

            if (name.EndsWith("_jenkins_builds_duration_milliseconds_summary_sum", StringComparison.Ordinal))
            {
                jenkinsSum += s.Value;
                jenkins = true;
            }
            else if (name.EndsWith("_jenkins_builds_duration_milliseconds_summary_count", StringComparison.Ordinal))
            {
                jenkinsCount += s.Value;
                jenkins = true;
            }
            else if (name.EndsWith("_jenkins_builds_last_build_duration_milliseconds", StringComparison.Ordinal))
            {
                lastBuild = Math.Max(lastBuild ?? 0, s.Value);
                jenkins = true;
            }
        }

        if (jenkins)
        {
            double? duration = jenkinsCount > 0 ? jenkinsSum / jenkinsCount / 1000 : lastBuild / 1000;
            return new CiServerMetrics(Jenkins, queue, busy, executors, duration);
        }

        return runner ? new CiServerMetrics(GitLabRunner, null, runnerBusy, concurrent, runnerCount > 0 ? runnerSum / runnerCount : null) : null;
    }

    /// <summary>A number as the event's fields hold it.</summary>
    public static string? Field(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture);
}
