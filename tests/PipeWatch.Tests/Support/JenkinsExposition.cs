using System.Globalization;

namespace PipeWatch.Tests.Support;

/// <summary>What the Jenkins Prometheus plugin's <c>/prometheus/</c> answers (namespace <c>default</c>): Metrics-plugin gauges and the per-job build duration summary.</summary>
internal static class JenkinsExposition
{
    /// <summary>The <paramref name="scrape"/>-th ordinary scrape: queue 0-3, 2-5 of 8 executors busy, builds of two minutes.</summary>
    public static string Ordinary(int scrape) => Text(queue: scrape % 4, busy: 2 + (scrape % 4), count: 120 + scrape, sumMs: (120 + scrape) * 120_000L);

    public static string Text(int queue, int busy, long count, long sumMs) => string.Create(CultureInfo.InvariantCulture, $$"""
        # HELP jenkins_queue_size_value Generated from Dropwizard metric import (metric=jenkins.queue.size.value, type=hudson.model.Queue)
        # TYPE jenkins_queue_size_value gauge
        jenkins_queue_size_value {{queue}}.0
        # HELP jenkins_executor_count_value Generated from Dropwizard metric import (metric=jenkins.executor.count.value)
        # TYPE jenkins_executor_count_value gauge
        jenkins_executor_count_value 8.0
        # HELP jenkins_executor_in_use_value Generated from Dropwizard metric import (metric=jenkins.executor.in-use.value)
        # TYPE jenkins_executor_in_use_value gauge
        jenkins_executor_in_use_value {{busy}}.0
        # HELP default_jenkins_builds_duration_milliseconds_summary Summary of Jenkins build times in milliseconds by Job
        # TYPE default_jenkins_builds_duration_milliseconds_summary summary
        default_jenkins_builds_duration_milliseconds_summary{jenkins_job="team/app \"main\"",repo="NA",quantile="0.5"} 118000.0
        default_jenkins_builds_duration_milliseconds_summary{jenkins_job="team/app \"main\"",repo="NA",quantile="0.999"} 131000.0
        default_jenkins_builds_duration_milliseconds_summary_count{jenkins_job="team/app \"main\"",repo="NA"} {{count - 20}}.0
        default_jenkins_builds_duration_milliseconds_summary_sum{jenkins_job="team/app \"main\"",repo="NA"} {{sumMs - (20 * 120_000)}}.0
        default_jenkins_builds_duration_milliseconds_summary_count{jenkins_job="tools\\lint",repo="NA"} 20.0
        default_jenkins_builds_duration_milliseconds_summary_sum{jenkins_job="tools\\lint",repo="NA"} {{20 * 120_000}}.0
        # HELP default_jenkins_builds_last_build_duration_milliseconds Build times in milliseconds of last build
        # TYPE default_jenkins_builds_last_build_duration_milliseconds gauge
        default_jenkins_builds_last_build_duration_milliseconds{jenkins_job="team/app \"main\"",repo="NA"} 121000.0
        # HELP vm_memory_heap_used Generated from Dropwizard metric import
        # TYPE vm_memory_heap_used gauge
        vm_memory_heap_used 5.12E8

        """);
}
