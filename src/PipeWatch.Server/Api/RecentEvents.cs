using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Store;

namespace PipeWatch.Server.Api;

/// <summary>An event as <c>/api/events</c> shows it (and the dashboard draws it beside the baselines).</summary>
internal sealed record EventSummary(
    string Id, string Kind, string Dataset, string? Action, string Outcome, DateTimeOffset Timestamp, string Repository, string? Pipeline, string? RunId,
    string? Job, string? User, double? DurationSeconds, string Origin, IReadOnlyList<StepSummary>? Steps = null);

/// <summary>One step of a job event: its name, outcome and duration.</summary>
internal sealed record StepSummary(string Name, string Outcome, double? DurationSeconds);

/// <summary>
/// The most recent events of each repository, kept in the store (SQLite migration 12, PostgreSQL 2, <c>recent_events</c>) so they outlive a restart:
/// written behind the intake in one transaction every half second, bounded per repository (the newest rows kept).
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Add"/> never waits on the store: events wait in memory (at most <see cref="MaxPending"/>; past it the
/// oldest are dropped and counted) until the writer's next transaction, which waits (busy timeout) for the engine's batch.
/// <see cref="Of"/> reads the table and the events not yet written.
/// </remarks>
internal sealed class RecentEvents : IAsyncDisposable
{
    public const int MaxPending = 50_000;
    private const int MaxSteps = 100;
    private const int MaxText = 512;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly ISharedTables _tables;
    private readonly int _perKey;
    private readonly Lock _lock = new();
    private readonly LinkedList<EventSummary> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    public RecentEvents(ISharedTables tables, int perKey = 500, TimeSpan? interval = null)
    {
        _tables = tables;
        _perKey = perKey;
        var every = interval ?? TimeSpan.FromMilliseconds(500);
        _writer = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false)) Flush();
            }
            catch (OperationCanceledException)
            {
                // Stopping: the final flush is in DisposeAsync.
            }
        });
    }

    /// <summary>Events dropped because the writer fell behind by more than <see cref="MaxPending"/>.</summary>
    public long Dropped { get; private set; }

    /// <summary>Why the last write failed, or null (a failed write keeps its events for the next one).</summary>
    public string? LastError { get; private set; }

    public void Add(IReadOnlyList<Event> events)
    {
        lock (_lock)
        {
            foreach (var e in events)
            {
                var key = e.Ci.Repository;
                if (string.IsNullOrEmpty(key)) continue;
                _pending.AddLast(Summarize(e, key));
                if (_pending.Count > MaxPending)
                {
                    _pending.RemoveFirst();
                    Dropped++;
                }
            }
        }
    }

    /// <summary>The recent events of a repository, newest first (at most the bound per repository).</summary>
    public List<EventSummary> Of(string repository, int limit = int.MaxValue)
    {
        List<EventSummary> waiting;
        lock (_lock)
        {
            waiting = [.. _pending.Where(e => string.Equals(e.Repository, repository, StringComparison.OrdinalIgnoreCase)).Reverse()];
        }

        var take = Math.Min(limit, _perKey);
        using var connection = _tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM recent_events WHERE repository = @r ORDER BY seq DESC LIMIT @n";
        command.AddParameter("@r", repository.ToLowerInvariant());
        command.AddParameter("@n", take);
        using var reader = command.ExecuteReader();
        while (reader.Read() && waiting.Count < take)
        {
            if (JsonSerializer.Deserialize<EventSummary>(reader.GetString(0), Json) is { } e) waiting.Add(e);
        }

        return waiting.Count > take ? waiting[..take] : waiting;
    }

    /// <summary>Every repository with events, each with the time of its last event per source (dataset), most recently active first.</summary>
    public List<RepositoryActivity> Repositories(int limit = 1000)
    {
        Flush();
        using var connection = _tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = _tables.Dialect == SqlDialect.Postgres
            ? """
              SELECT repository, min(body::json->>'repository'), body::json->>'dataset', MAX(at), COUNT(*)
              FROM recent_events GROUP BY repository, body::json->>'dataset' ORDER BY repository
              """
            : """
              SELECT repository, json_extract(body, '$.repository'), json_extract(body, '$.dataset'), MAX(at), COUNT(*)
              FROM recent_events GROUP BY repository, json_extract(body, '$.dataset') ORDER BY repository
              """;
        using var reader = command.ExecuteReader();
        var byRepository = new Dictionary<string, RepositoryActivity>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var key = reader.GetString(0);
            if (!byRepository.TryGetValue(key, out var activity))
            {
                byRepository[key] = activity = new RepositoryActivity(reader.IsDBNull(1) ? key : reader.GetString(1), []);
            }

            activity.Sources.Add(new SourceActivity(reader.IsDBNull(2) ? "?" : reader.GetString(2), DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture), reader.GetInt64(4)));
        }

        return [.. byRepository.Values.OrderByDescending(r => r.Sources.Max(s => s.LastSeen)).Take(limit)];
    }

    /// <summary>Writes the events waiting, then deletes each touched repository's rows past the bound; on failure they wait for the next try.</summary>
    public void Flush()
    {
        List<EventSummary> batch;
        lock (_lock)
        {
            if (_pending.Count == 0) return;
            batch = [.. _pending];
            _pending.Clear();
        }

        try
        {
            using var connection = _tables.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO recent_events (repository, at, body) VALUES (@r, @at, @body)";
                var r = insert.AddParameter("@r", string.Empty);
                var at = insert.AddParameter("@at", string.Empty);
                var body = insert.AddParameter("@body", string.Empty);
                foreach (var e in batch)
                {
                    r.Value = e.Repository.ToLowerInvariant();
                    at.Value = Triage.Iso(e.Timestamp);
                    body.Value = JsonSerializer.Serialize(e, Json);
                    insert.ExecuteNonQuery();
                }
            }

            using (var prune = connection.CreateCommand())
            {
                prune.Transaction = transaction;
                prune.CommandText = """
                    DELETE FROM recent_events WHERE repository = @r
                    AND seq < (SELECT MIN(seq) FROM (SELECT seq FROM recent_events WHERE repository = @r ORDER BY seq DESC LIMIT @n) AS kept)
                    """;
                var r = prune.AddParameter("@r", string.Empty);
                prune.AddParameter("@n", _perKey);
                foreach (var repository in batch.Select(e => e.Repository.ToLowerInvariant()).Distinct(StringComparer.Ordinal))
                {
                    r.Value = repository;
                    prune.ExecuteNonQuery();
                }
            }

            transaction.Commit();
            LastError = null;
        }
        catch (DbException ex)
        {
            LastError = ex.Message;
            lock (_lock)
            {
                // Back in front of what arrived meanwhile, in order, still bounded.
                for (var i = batch.Count - 1; i >= 0 && _pending.Count < MaxPending; i--) _pending.AddFirst(batch[i]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(false);
        Flush();
        _stop.Dispose();
    }


    private static EventSummary Summarize(Event e, string repository) => new(
        Clip(e.Id)!, e.Kind.ToString(), Clip(e.Dataset)!, Clip(e.Action), e.Outcome.ToString(), e.Timestamp, Clip(repository)!, Clip(NullIfEmpty(e.Ci.Pipeline)),
        Clip(NullIfEmpty(e.Ci.RunId)), Clip(e.Ci.Job), Clip(e.UserName), e.Duration?.TotalSeconds, Clip(e.Origin.File)!,
        e.Steps.Count == 0 ? null : [.. e.Steps.Take(MaxSteps).Select(s => new StepSummary(Clip(s.Name)!, s.Outcome.ToString(), s.Duration?.TotalSeconds))]);

    // Attacker-controlled text is bounded before it is kept.
    private static string? Clip(string? text) => text is { Length: > MaxText } ? text[..MaxText] : text;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

/// <summary>A repository's last event per source, for the dashboard's repositories page.</summary>
internal sealed record RepositoryActivity(string Repository, List<SourceActivity> Sources);

/// <summary>The last event of one source (dataset) of a repository, and how many of its recent events are kept.</summary>
internal sealed record SourceActivity(string Dataset, DateTimeOffset LastSeen, long Kept);
