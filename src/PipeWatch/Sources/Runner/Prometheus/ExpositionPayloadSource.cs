using System.Runtime.CompilerServices;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>Reads one scrape of a CI server's Prometheus endpoint, held in memory as it was received (<c>serve.ci-metrics</c>), as the one event <c>ingest NAME.prom</c> makes of it.</summary>
/// <remarks>
/// Problems name <paramref name="origin"/> (<c>ci-metrics:NAME</c>, never the URL's credentials or the token): each line the parser
/// skipped with its number, and a scrape without CI server metrics, which yields nothing. The body is read up to
/// <see cref="ExpositionLimits.MaxBytes"/> (the caller bounds it first).
/// </remarks>
/// <param name="server">The server's name (the event's repository, its baselines' key).</param>
/// <param name="origin">Where it came from, as events and problems name it.</param>
/// <param name="body">The answer's bytes (UTF-8 text).</param>
/// <param name="received">When it was scraped: the event's time unless the samples carry one.</param>
internal sealed class ExpositionPayloadSource(string server, string origin, byte[] body, DateTimeOffset received) : ISource
{
    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limits = new ExpositionLimits();
        var length = (int)Math.Min(body.Length, limits.MaxBytes);
        // Streamed from the bytes: a large answer is not copied into one string first.
        using var reader = new StreamReader(new MemoryStream(body, 0, length, writable: false), Encoding.UTF8);
        var scrape = await new ExpositionParser(limits).ParseAsync(reader, cancellationToken).ConfigureAwait(false);
        context.BytesRead?.Invoke(length);
        foreach (var skipped in scrape.Problems) context.Problems.Report(new Problem(origin, $"prometheus: {skipped}"));
        if (CiServerMetrics.Of(scrape) is not { } metrics)
        {
            context.Problems.Report(new Problem(origin, CiServerMetricsEvent.NoMetrics));
            yield break;
        }

        var stamp = CiServerMetricsEvent.Stamp(scrape, received);
        yield return CiServerMetricsEvent.Create(metrics, server, stamp, origin, origin);
    }
}
