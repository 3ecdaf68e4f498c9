using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>Reads one Prometheus text exposition saved to a file (a scrape of Jenkins' <c>/prometheus</c> or GitLab Runner's <c>/metrics</c>) as one CI-server metrics event.</summary>
/// <remarks>
/// The event is a resource summary (<c>event.action</c> resource-summary) of the CI server, named by the file: <c>NAME.prom</c>,
/// <c>NAME-01.prom</c> or <c>NAME-2026-12-07T02:00:00Z.prom</c> are all server <c>NAME</c> (a trailing run of digits, dashes, dots,
/// colons and T/Z is a scrape's number or time), so a folder of scrapes builds one baseline per server. Its fields:
/// <c>ci.server.queue_length</c>, <c>ci.server.executors_busy</c>, <c>ci.server.executors</c>, <c>ci.server.job_duration_seconds</c>
/// (see <see cref="CiServerMetrics"/>), <c>runner.metrics.source</c> jenkins or gitlab-runner. A file with none of those metrics
/// is reported and yields nothing; lines the parser skips are reported with their numbers. The file is read up to
/// <see cref="ExpositionLimits.MaxBytes"/>.
/// </remarks>
internal sealed partial class ExpositionFileSource(string path) : ISource
{
    public const string QueueLength = "ci.server.queue_length";
    public const string ExecutorsBusy = "ci.server.executors_busy";
    public const string Executors = "ci.server.executors";
    public const string JobDurationSeconds = "ci.server.job_duration_seconds";

    private const int HeadSize = 64 * 1024;

    /// <summary>True for a <c>.prom</c> or <c>.metrics</c> file, or one whose first non-blank line is <c># HELP</c>/<c># TYPE</c> or, past other comments, an exposition sample.</summary>
    /// <param name="path">The file.</param>
    /// <param name="declaredOnly">Only by its name or a first <c># HELP</c>/<c># TYPE</c> line, not a first sample line (a weaker sign, tried after the job-log formats).</param>
    public static bool Detect(string path, bool declaredOnly = false)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".prom", StringComparison.OrdinalIgnoreCase) || extension.Equals(".metrics", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var head = new byte[Math.Min(stream.Length, HeadSize)];
            var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return Detect(head.AsSpan(0, length), declaredOnly);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True when the text (its first 64 KiB, no NUL byte) starts as an exposition does.</summary>
    public static bool Detect(ReadOnlySpan<byte> text, bool declaredOnly = false)
    {
        var head = text[..Math.Min(text.Length, HeadSize)];
        if (head.Contains((byte)0)) return false;
        foreach (var raw in Encoding.UTF8.GetString(head).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal)) return true;
            if (line.StartsWith('#')) continue;
            return !declaredOnly && SampleLine().IsMatch(line);
        }

        return false;
    }

    /// <summary>The server a file of that name is a scrape of.</summary>
    public static string ServerName(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var name = ScrapeSuffix().Replace(stem, string.Empty);
        if (name.Length > 0) return name;
        return Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) is { Length: > 0 } folder ? folder : stem;
    }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var target = new ScrapeTarget(path);
        var (scrape, problem) = await target.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (scrape is null)
        {
            context.Problems.Report(new Problem(path, $"prometheus: cannot read: {problem}"));
            yield break;
        }

        context.BytesRead?.Invoke(new FileInfo(path).Length);
        foreach (var skipped in scrape.Problems) context.Problems.Report(new Problem(path, $"prometheus: {skipped}"));
        if (CiServerMetrics.Of(scrape) is not { } metrics)
        {
            context.Problems.Report(new Problem(path, CiServerMetricsEvent.NoMetrics));
            yield break;
        }

        var stamp = CiServerMetricsEvent.Stamp(scrape, new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero));
        yield return CiServerMetricsEvent.Create(metrics, ServerName(path), stamp, path, Path.GetFileName(path));
    }

    // name{labels} value [timestamp]: the label set may hold spaces inside quotes.
    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?[ \t]+(?:[-+]?(?:[0-9][0-9.eE+-]*|\.[0-9]+|Inf|NaN))(?:[ \t]+-?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("[-_.:0-9TZ]*[0-9][-_.:0-9TZ]*$")]
    private static partial Regex ScrapeSuffix();
}
