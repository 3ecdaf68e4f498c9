using System.Runtime.CompilerServices;
using System.Threading.Channels;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Intake;
using PipeWatch.Sources.JobLogs;
using PipeWatch.Sources.Runner.Collectors;
using PipeWatch.Sources.Runner.Prometheus;

namespace PipeWatch.Server.Intake;

/// <summary>The engine's one source in <c>serve</c> and <c>worker</c>: intake rows (the SQLite queue's, or JetStream messages), read through the payload reader (or a job-log format), without end.</summary>
/// <remarks>
/// Each row's events are handed over in queue order; the engine reports each commit (<see cref="IngestProgress.Committed"/>) with
/// the count of events processed so far, and every row whose last event is within that count is then deleted from the queue.
/// A row that gave no events (a ping, bad JSON, an event PipeWatch does not read) is deleted once the rows before it are.
/// "Deleted" is <paramref name="complete"/>: the SQLite queue deletes the rows, a JetStream worker acknowledges the messages.
/// </remarks>
internal sealed class IntakeSource(ChannelReader<IntakeRow> ready, Action<IReadOnlyList<IntakeRow>> complete, PayloadReader reader, ServerMetrics metrics, Action<IntakeRow, IReadOnlyList<Event>>? observed, Action<string?>? committed = null) : ISource, IProgress<IngestProgress>
{
    private const int BlockEvents = 256;
    private readonly Lock _lock = new();
    private readonly Queue<(IntakeRow Row, long End)> _outstanding = new();
    private long _handedOver;
    private long _committed;

    public IAsyncEnumerable<Event> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        SourceBlocks.Flatten(ReadBlocksAsync(context, cancellationToken), cancellationToken);

    public async IAsyncEnumerable<Event[]> ReadBlocksAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var block = new List<Event>();
        while (await ready.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // The rows waiting go to the engine together, up to a block: one hand-off per webhook would cost more than its events.
            while (block.Count < BlockEvents && ready.TryRead(out var row))
            {
                var events = await ReadRowAsync(row, context, cancellationToken).ConfigureAwait(false);
                metrics.EventsIn.Inc(events.Count);
                try
                {
                    observed?.Invoke(row, events);
                }
                catch (Exception ex)
                {
                    context.Problems.Report(new Problem(row.Item.Origin, $"following up failed: {ex.GetType().Name}: {ex.Message}"));
                }

                List<IntakeRow>? done = null;
                lock (_lock)
                {
                    if (events.Count == 0 && _outstanding.Count == 0 && _committed == _handedOver)
                    {
                        // Nothing to commit, and nothing before it waiting for a commit.
                        done = [row];
                    }
                    else
                    {
                        _handedOver += events.Count;
                        _outstanding.Enqueue((row, _handedOver));
                    }
                }

                if (done is not null) Completed(done);
                block.AddRange(events);
            }

            if (block.Count > 0)
            {
                yield return [.. block];
                block.Clear();
            }
        }
    }

    /// <summary>The engine's progress: after a commit, the rows whose events are all durable are done.</summary>
    public void Report(IngestProgress value)
    {
        if (!value.Committed) return;
        var done = new List<IntakeRow>();
        lock (_lock)
        {
            _committed = value.Events;
            while (_outstanding.TryPeek(out var next) && next.End <= value.Events)
            {
                done.Add(_outstanding.Dequeue().Row);
            }
        }

        Completed(done);
    }

    private void Completed(List<IntakeRow> rows)
    {
        if (rows.Count == 0) return;
        complete(rows);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var row in rows)
        {
            metrics.ProcessingSeconds.Observe(Math.Max(0, now - row.Item.Received) / 1000.0);
            committed?.Invoke(row.Item.Delivery);
        }

        metrics.PayloadsProcessed.Inc(rows.Count);
    }

    private async Task<IReadOnlyList<Event>> ReadRowAsync(IntakeRow row, SourceContext context, CancellationToken cancellationToken)
    {
        var item = row.Item;
        try
        {
            if (item.Kind == IntakeKinds.JobLog)
            {
                var format = JobLogFormats.Find(item.Hint ?? string.Empty) ?? JobLogFormats.PlainText;
                var source = new JobLogSource(JobLogOrigin.FromPath(item.Origin), format, () => new MemoryStream(item.Body, writable: false));
                var events = new List<Event>();
                await foreach (var e in source.ReadAsync(context, cancellationToken).ConfigureAwait(false)) events.Add(e);
                return events;
            }

            if (item.Kind == IntakeKinds.Auditd)
            {
                var source = new AuditdSource(item.Origin, () => new MemoryStream(item.Body, writable: false));
                var events = new List<Event>();
                await foreach (var e in source.ReadAsync(context, cancellationToken).ConfigureAwait(false)) events.Add(e);
                return events;
            }

            if (item.Kind == IntakeKinds.Prometheus)
            {
                var source = new ExpositionPayloadSource(item.Hint ?? item.Origin, item.Origin, item.Body, DateTimeOffset.FromUnixTimeMilliseconds(item.Received));
                var events = new List<Event>();
                await foreach (var e in source.ReadAsync(context, cancellationToken).ConfigureAwait(false)) events.Add(e);
                return events;
            }

            var origin = item.Delivery is not null && PayloadOrigin.IsValidDeliveryId(item.Delivery)
                ? PayloadOrigin.Webhook(item.Platform, item.Delivery)
                : PayloadOrigin.File(item.Origin);
            var result = await reader.ReadAsync(item.Body, origin, Hint(item.Hint), cancellationToken).ConfigureAwait(false);
            foreach (var problem in result.Problems) context.Problems.Report(problem);
            if (result.ProblemCount > 0) metrics.PayloadProblems.Inc(result.ProblemCount);
            return result.Events;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.Problems.Report(new Problem(item.Origin, $"reading failed: {ex.GetType().Name}: {ex.Message}"));
            metrics.PayloadProblems.Inc();
            return [];
        }
    }

    /// <summary>The reader's hint from the stored one: <c>github:EVENT</c>, <c>gitlab:EVENT</c>, <c>format:ID</c>.</summary>
    internal static PayloadHint? Hint(string? stored)
    {
        if (stored is null) return null;
        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return null;
        var value = stored[(colon + 1)..];
        return stored[..colon] switch
        {
            "github" => PayloadHint.GitHubEvent(value),
            "gitlab" => PayloadHint.GitLabEvent(value),
            "format" => PayloadHint.Format(value),
            _ => null,
        };
    }
}
