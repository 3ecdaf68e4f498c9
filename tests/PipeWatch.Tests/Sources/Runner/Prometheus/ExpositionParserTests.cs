using PipeWatch.Sources.Runner.Prometheus;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Prometheus;

/// <summary>The Prometheus text exposition format (0.0.4) and OpenMetrics' differences, on expositions written from the documented format with its tricky cases.</summary>
public sealed class ExpositionParserTests
{
    // Written from the format's description: HELP with escapes, comments of other kinds, a counter with escaped label values,
    // timestamps (one negative), NaN and ±Inf, a histogram, a summary, an untyped metric with no TYPE, a trailing comma, blanks
    // around tokens, a blank line and CRLF line ends.
    private const string Documented =
        "# A comment that is neither HELP nor TYPE.\n" +
        "# HELP http_requests_total The total number of HTTP requests; a \\\\ backslash\\nand a second line.\n" +
        "# TYPE http_requests_total counter\n" +
        "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n" +
        "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\r\n" +
        "\n" +
        "# Escaping in label values:\n" +
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n" +
        "# Minimalistic line:\n" +
        "metric_without_timestamp_and_labels 12.47\n" +
        "# A weird metric from before the epoch:\n" +
        "something_weird{problem=\"division by zero\"} +Inf -3982045\n" +
        "  nan_gauge { a = \"1\" , } NaN\n" +
        "negative_inf -Inf\n" +
        "# HELP http_request_duration_seconds A histogram of the request duration.\n" +
        "# TYPE http_request_duration_seconds histogram\n" +
        "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n" +
        "http_request_duration_seconds_bucket{le=\"0.1\"} 33444\n" +
        "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n" +
        "http_request_duration_seconds_sum 53423\n" +
        "http_request_duration_seconds_count 144320\n" +
        "# HELP rpc_duration_seconds A summary of the RPC duration in seconds.\n" +
        "# TYPE rpc_duration_seconds summary\n" +
        "rpc_duration_seconds{quantile=\"0.01\"} 3102\n" +
        "rpc_duration_seconds{quantile=\"0.5\"} 4773\n" +
        "rpc_duration_seconds{quantile=\"0.99\"} 76656\n" +
        "rpc_duration_seconds_sum 1.7560473e+07\n" +
        "rpc_duration_seconds_count 2693\n";

    [Fact]
    public async Task A_documented_exposition_gives_every_sample_with_its_labels_value_timestamp_and_family()
    {
        var scrape = await new ExpositionParser().ParseAsync(Documented, TestContext.Current.CancellationToken);

        Assert.Empty(scrape.Problems);
        Assert.False(scrape.OpenMetrics);
        Assert.Equal(
            [
                "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000 | http_requests_total counter",
                "http_requests_total{method=\"post\",code=\"400\"} 3 1395066363000 | http_requests_total counter",
                "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1458255915 | msdos_file_access_time_seconds untyped",
                "metric_without_timestamp_and_labels 12.47 | metric_without_timestamp_and_labels untyped",
                "something_weird{problem=\"division by zero\"} +Inf -3982045 | something_weird untyped",
                "nan_gauge{a=\"1\"} NaN | nan_gauge untyped",
                "negative_inf -Inf | negative_inf untyped",
                "http_request_duration_seconds_bucket{le=\"0.05\"} 24054 | http_request_duration_seconds histogram",
                "http_request_duration_seconds_bucket{le=\"0.1\"} 33444 | http_request_duration_seconds histogram",
                "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320 | http_request_duration_seconds histogram",
                "http_request_duration_seconds_sum 53423 | http_request_duration_seconds histogram",
                "http_request_duration_seconds_count 144320 | http_request_duration_seconds histogram",
                "rpc_duration_seconds{quantile=\"0.01\"} 3102 | rpc_duration_seconds summary",
                "rpc_duration_seconds{quantile=\"0.5\"} 4773 | rpc_duration_seconds summary",
                "rpc_duration_seconds{quantile=\"0.99\"} 76656 | rpc_duration_seconds summary",
                "rpc_duration_seconds_sum 17560473 | rpc_duration_seconds summary",
                "rpc_duration_seconds_count 2693 | rpc_duration_seconds summary",
            ],
            scrape.Samples.Select(s => $"{s} | {s.Family} {s.Type}"));

        // The unescaped values themselves, not only their re-escaped form.
        var msdos = scrape.Named("msdos_file_access_time_seconds").Single();
        Assert.Equal(("C:\\DIR\\FILE.TXT", "Cannot find file:\n\"FILE.TXT\""), (msdos.Label("path"), msdos.Label("error")));
        Assert.Equal("The total number of HTTP requests; a \\ backslash\nand a second line.", scrape.Families["http_requests_total"].Help);
        Assert.Equal(["http_request_duration_seconds", "http_requests_total", "rpc_duration_seconds"], scrape.Families.Keys.Order(StringComparer.Ordinal));
        Assert.True(double.IsNaN(scrape.Named("nan_gauge").Single().Value));
        Assert.Equal(double.PositiveInfinity, ParseLe(scrape.Named("http_request_duration_seconds_bucket").Last().Label("le")!));
    }

    [Fact]
    public async Task OpenMetrics_ends_at_EOF_reads_timestamps_as_seconds_keeps_units_and_skips_exemplars()
    {
        const string text =
            "# TYPE acme_http_router_request_seconds histogram\n" +
            "# UNIT acme_http_router_request_seconds seconds\n" +
            "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.\n" +
            "acme_http_router_request_seconds_bucket{le=\"0.1\"} 8 # {trace_id=\"KOO5S4vxi0o\"} 0.067 1520879607.789\n" +
            "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32 1520879607.789\n" +
            "acme_http_router_request_seconds_count 807 1520879607\n" +
            "# TYPE process_cpu counter\n" +
            "process_cpu_total 4.20072246e+06\n" +
            "process_cpu_created 1520000000.0\n" +
            "# EOF\n";

        var scrape = await new ExpositionParser().ParseAsync(text, TestContext.Current.CancellationToken);

        Assert.Empty(scrape.Problems);
        Assert.True(scrape.OpenMetrics);
        Assert.Equal(
            [
                "acme_http_router_request_seconds_bucket{le=\"0.1\"} 8 | acme_http_router_request_seconds",
                "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32 1520879607789 | acme_http_router_request_seconds",
                "acme_http_router_request_seconds_count 807 1520879607000 | acme_http_router_request_seconds",
                "process_cpu_total 4200722.46 | process_cpu",
                "process_cpu_created 1520000000 | process_cpu",
            ],
            scrape.Samples.Select(s => $"{s} | {s.Family}"));
        Assert.Equal("seconds", scrape.Families["acme_http_router_request_seconds"].Unit);
    }

    [Fact]
    public async Task Bad_lines_are_skipped_with_their_number_and_reason_and_the_good_ones_around_them_are_read()
    {
        const string text =
            "good_before 1\n" +
            "bad_escape{path=\"C:\\DIR\"} 1\n" +
            "twice{a=\"1\",a=\"2\"} 1\n" +
            "unclosed{a=\"1} 1\n" +
            "no_value{a=\"1\"}\n" +
            "glued{a=\"1\"}2\n" +
            "word_value hello\n" +
            "text_timestamp 1 yesterday\n" +
            "extra 1 2 3\n" +
            "{a=\"1\"} 1\n" +
            "# TYPE good_before gauge\n" +
            "# TYPE odd mystery\n" +
            "good_after{le=\"0.5\"} 2\n";

        var scrape = await new ExpositionParser().ParseAsync(text, TestContext.Current.CancellationToken);

        Assert.Equal(["good_before 1", "good_after{le=\"0.5\"} 2"], scrape.Samples.Select(s => s.ToString()));
        Assert.Equal(
            [
                "line 2: the value of label 'path' has an invalid escape",
                "line 3: label 'a' appears twice",
                "line 4: the value of label 'a' is not closed",
                "line 5: sample 'no_value' has no value",
                "line 6: sample 'glued' has no value",
                "line 7: 'hello' is not a sample value",
                "line 9: unexpected '3' after the value of 'extra'",
                "line 10: not a sample: it must start with a metric name",
                "line 11: # TYPE for 'good_before' after its first sample or a second time; ignored",
                "line 12: # TYPE 'mystery' for 'odd' is not a metric type; ignored",
                "line 8: timestamp 'yesterday' is not a number; sample skipped",
            ],
            scrape.Problems);
    }

    [Fact]
    public async Task Hostile_scrapes_are_bounded_in_line_length_series_and_labels()
    {
        var limits = new ExpositionLimits { MaxLineChars = 200, MaxSeries = 3, MaxLabels = 4 };
        var text =
            "long{a=\"" + new string('x', 5000) + "\"} 1\n" +
            "many_labels{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\"} 1\n" +
            "four_labels{a=\"1\",b=\"2\",c=\"3\",d=\"\u001b[31m\"} 1\n" +
            string.Concat(Enumerable.Range(0, 10).Select(i => $"series{{i=\"{i}\"}} {i}\n"));

        var scrape = await new ExpositionParser(limits).ParseAsync(text, TestContext.Current.CancellationToken);

        Assert.True(scrape.Truncated);
        Assert.Equal(["four_labels{a=\"1\",b=\"2\",c=\"3\",d=\"\u001b[31m\"} 1", "series{i=\"0\"} 0", "series{i=\"1\"} 1"], scrape.Samples.Select(s => s.ToString()));
        Assert.Equal(
            [
                "line 1: line longer than 200 characters; skipped",
                "line 2: more than 4 labels",
                "line 6: more than 3 samples; the rest of the scrape is not read",
            ],
            scrape.Problems);
    }

    [Fact]
    public async Task Problems_are_capped_and_counted_and_carry_no_control_characters()
    {
        var text = string.Concat(Enumerable.Range(0, 50).Select(i => $"m{i} \u001b]0;owned\u0007\n"));

        var scrape = await new ExpositionParser(new ExpositionLimits { MaxProblems = 3 }).ParseAsync(text, TestContext.Current.CancellationToken);

        Assert.Empty(scrape.Samples);
        Assert.Equal(
            ["line 1: '?]0;owned?' is not a sample value", "line 2: '?]0;owned?' is not a sample value", "line 3: '?]0;owned?' is not a sample value (and 47 more problems)"],
            scrape.Problems);
    }

    private static double ParseLe(string le) => ExpositionParser.Value(le) ?? double.NaN;
}
