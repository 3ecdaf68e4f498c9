using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace PipeWatch.Server.Intake;

/// <summary>One payload received: what it is, who sent it, its bytes.</summary>
/// <param name="Kind"><see cref="IntakeKinds.Payload"/> (JSON read by the payload reader) or <see cref="IntakeKinds.JobLog"/> (a CI job log).</param>
/// <param name="Platform">github, gitlab, jenkins, generic, ingest; for a job log, the platform it was fetched from.</param>
/// <param name="Delivery">The sender's delivery id; a second payload with the same platform and delivery id is refused as a replay. Null: none given.</param>
/// <param name="Hint">What the sender said it is (<c>github:workflow_job</c>, <c>gitlab:Push Hook</c>, <c>format:ID</c>, for a job log its format id), or null.</param>
/// <param name="Origin">The name events and problems carry (<c>webhook:github/ID</c>, a job log's name).</param>
/// <param name="Body">The payload's bytes, as received.</param>
/// <param name="Received">When it was acknowledged (Unix milliseconds), for the latency from receipt to commit.</param>
internal sealed record IntakeItem(string Kind, string Platform, string? Delivery, string? Hint, string Origin, byte[] Body, long Received);

/// <summary>A payload in the queue and its place in it.</summary>
internal sealed record IntakeRow(long Seq, IntakeItem Item);

/// <summary>The kinds of intake rows.</summary>
internal static class IntakeKinds
{
    public const string Payload = "payload";
    public const string JobLog = "job-log";

    /// <summary>A Linux audit log posted to <c>/ingest</c> (text, not JSON), read as <c>ingest</c> reads an audit log file.</summary>
    public const string Auditd = "auditd";

    /// <summary>A scrape of a CI server's Prometheus endpoint (<c>serve.ci-metrics</c>), its hint the server's name; read as <c>ingest NAME.prom</c> reads one.</summary>
    public const string Prometheus = "prometheus";
}

/// <summary>What became of a payload offered to the queue.</summary>
internal enum EnqueueOutcome
{
    /// <summary>Durably stored: it will be processed, once, even after a crash.</summary>
    Accepted,

    /// <summary>Its delivery id was received before: refused, not stored.</summary>
    Replayed,

    /// <summary>The backlog is full: refused, not stored; the sender should retry later.</summary>
    Full,

    /// <summary>The queue cannot be reached (JetStream is down): refused, not stored; the sender should retry later.</summary>
    Unavailable,

    /// <summary>Larger than the queue takes in one message: refused, not stored.</summary>
    TooLarge,
}

/// <summary>
/// The durable intake queue of <c>serve</c>: payloads are written to a SQLite file of their own (beside the store) before they are
/// acknowledged, handed to the engine in order, and deleted once the engine has committed their events.
/// </summary>
/// <remarks>
/// A file of its own because the engine holds the store's write lock for a whole batch; acknowledging a webhook must not wait on it.
/// One writer task commits whatever is waiting in one transaction (a group commit, fsynced), so many concurrent requests share one
/// sync. Delivery ids are remembered in the same transaction as the payload, so a replay is refused exactly. Thread-safe.
/// On open, rows not yet processed (a crash, a kill) are queued again first, in their order; the ingest ledger skips events
/// committed before the crash, so each payload's events are processed once.
/// </remarks>
internal sealed class IntakeQueue : IWebhookIntake, IAsyncDisposable
{
    private const int GroupLimit = 512;
    private readonly SqliteConnection _connection;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<IntakeRow> _ready = Channel.CreateUnbounded<IntakeRow>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly int _backlog;
    private readonly long _backlogBytes;
    private readonly Task _writer;
    private long _pending;
    private long _pendingBytes;

    private IntakeQueue(SqliteConnection connection, string path, int backlog, long backlogBytes)
    {
        _connection = connection;
        Path = path;
        _backlog = backlog;
        _backlogBytes = backlogBytes;
        foreach (var row in LoadPending())
        {
            _pending++;
            _pendingBytes += row.Item.Body.Length;
            _ready.Writer.TryWrite(row);
        }

        Recovered = _pending;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The queue's file.</summary>
    public string Path { get; }

    /// <summary>Rows found unprocessed when the queue was opened (queued again).</summary>
    public long Recovered { get; }

    /// <summary>Payloads acknowledged and not yet committed by the engine.</summary>
    public long Backlog => Interlocked.Read(ref _pending);

    /// <summary>Rows in order, for the engine's intake source.</summary>
    public ChannelReader<IntakeRow> Ready => _ready.Reader;

    /// <summary>The queue file that goes with a store: <c>pipewatch.db</c> → <c>pipewatch.intake.db</c> in the same folder.</summary>
    public static string PathFor(string storePath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(storePath)!, System.IO.Path.GetFileNameWithoutExtension(storePath) + ".intake.db");

    /// <summary>Opens (creating) the queue file and queues its unprocessed rows again.</summary>
    /// <param name="backlog">Payloads acknowledged but not processed, at most.</param>
    /// <param name="backlogBytes">Their bytes, at most.</param>
    public static IntakeQueue Open(string path, int backlog, long backlogBytes)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        // synchronous = FULL: an acknowledged payload survives a power cut as well as a killed process.
        Execute(connection, "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
        Execute(
            connection,
            """
            CREATE TABLE IF NOT EXISTS intake (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL, platform TEXT NOT NULL, delivery TEXT, hint TEXT, origin TEXT NOT NULL,
                received INTEGER NOT NULL,        -- Unix milliseconds
                body BLOB NOT NULL
            );
            CREATE TABLE IF NOT EXISTS deliveries (
                platform TEXT NOT NULL, delivery TEXT NOT NULL,
                received INTEGER NOT NULL,
                PRIMARY KEY (platform, delivery)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS followups (
                key TEXT PRIMARY KEY,             -- what it is for (a push, a job), so a payload read again records it once
                kind TEXT NOT NULL,
                body BLOB NOT NULL,               -- what the follow-up needs to run again after a restart
                created INTEGER NOT NULL          -- Unix milliseconds
            ) WITHOUT ROWID;
            """);
        return new IntakeQueue(connection, path, backlog, backlogBytes);
    }

    /// <summary>Stores the payload durably (or refuses it); the answer comes after the transaction holding it is synced.</summary>
    /// <param name="item">The payload.</param>
    /// <param name="cursor">A poller's cursor, written in the same transaction when the payload is accepted or is a replay, so a restart neither misses nor repeats.</param>
    public async Task<EnqueueOutcome> EnqueueAsync(IntakeItem item, KeyValuePair<string, string>? cursor = null)
    {
        var count = Interlocked.Increment(ref _pending);
        var bytes = Interlocked.Add(ref _pendingBytes, item.Body.Length);
        // One payload is always let in, however large (the body limit bounds it).
        if (count > _backlog || (bytes > _backlogBytes && count > 1))
        {
            Release(item.Body.Length);
            return EnqueueOutcome.Full;
        }

        var request = new Request(item, null) { Cursor = cursor };
        if (!_requests.Writer.TryWrite(request))
        {
            Release(item.Body.Length);
            throw new ObjectDisposedException(nameof(IntakeQueue));
        }

        // Not cancellable once handed over: the writer answers every request, and a stored payload is processed regardless.
        var outcome = await request.Done.Task.ConfigureAwait(false);
        if (outcome != EnqueueOutcome.Accepted) Release(item.Body.Length);
        return outcome;
    }

    Task<EnqueueOutcome> IWebhookIntake.EnqueueAsync(IntakeItem item) => EnqueueAsync(item);

    /// <summary>A poller's cursor, or null before its first page.</summary>
    public string? Cursor(string name)
    {
        lock (_connection)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM cursors WHERE name = $name";
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>Records a follow-up (synced) before the payload that asked for it can be deleted; false when it was recorded before.</summary>
    public bool RememberFollowUp(string key, string kind, byte[] body, long created)
    {
        lock (_connection)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO followups (key, kind, body, created) VALUES ($key, $kind, $body, $created)";
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$body", body);
            command.Parameters.AddWithValue("$created", created);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>Forgets a follow-up once it has run (its findings committed) or has failed for good (reported).</summary>
    public void ForgetFollowUp(string key)
    {
        lock (_connection)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM followups WHERE key = $key";
            command.Parameters.AddWithValue("$key", key);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The follow-ups recorded and not yet done (a crash stopped them), oldest first.</summary>
    public IReadOnlyList<(string Key, string Kind, byte[] Body)> PendingFollowUps()
    {
        lock (_connection)
        {
            var pending = new List<(string, string, byte[])>();
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT key, kind, body FROM followups ORDER BY created, key";
            using var reader = command.ExecuteReader();
            while (reader.Read()) pending.Add((reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2)));
            return pending;
        }
    }

    /// <summary>Deletes rows whose events the engine has committed (or that had none to commit).</summary>
    public void Complete(IReadOnlyList<IntakeRow> rows)
    {
        if (rows.Count == 0) return;
        foreach (var row in rows) Release(row.Item.Body.Length);
        _requests.Writer.TryWrite(new Request(null, [.. rows.Select(r => r.Seq)]));
    }

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _ready.Writer.TryComplete();
        _connection.Dispose();
    }

    private void Release(int bytes)
    {
        Interlocked.Decrement(ref _pending);
        Interlocked.Add(ref _pendingBytes, -bytes);
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<Request>(GroupLimit);
        while (await _requests.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < GroupLimit && _requests.Reader.TryRead(out var request)) group.Add(request);
            List<IntakeRow> accepted;
            try
            {
                accepted = WriteGroup(group);
            }
            catch (Exception ex)
            {
                // The disk is full or the file is gone: nothing of this group was acknowledged.
                foreach (var request in group) request.Done.TrySetException(ex);
                continue;
            }

            foreach (var row in accepted) _ready.Writer.TryWrite(row);
            foreach (var request in group) request.Done.TrySetResult(request.Outcome);
        }
    }

    private List<IntakeRow> WriteGroup(List<Request> group)
    {
        var accepted = new List<IntakeRow>();
        lock (_connection)
        {
            using var transaction = _connection.BeginTransaction();
            using var remember = Command(transaction, "INSERT OR IGNORE INTO deliveries (platform, delivery, received) VALUES ($platform, $delivery, $received)");
            using var insert = Command(
                transaction,
                "INSERT INTO intake (kind, platform, delivery, hint, origin, received, body) VALUES ($kind, $platform, $delivery, $hint, $origin, $received, $body) RETURNING seq");
            using var delete = Command(transaction, "DELETE FROM intake WHERE seq = $seq");
            using var move = Command(transaction, "INSERT INTO cursors (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
            foreach (var request in group)
            {
                if (request.Item is { } item)
                {
                    if (item.Delivery is not null)
                    {
                        remember.Parameters.Clear();
                        remember.Parameters.AddWithValue("$platform", item.Platform);
                        remember.Parameters.AddWithValue("$delivery", item.Delivery);
                        remember.Parameters.AddWithValue("$received", item.Received);
                        if (remember.ExecuteNonQuery() == 0)
                        {
                            request.Outcome = EnqueueOutcome.Replayed;
                            MoveCursor(move, request.Cursor);
                            continue;
                        }
                    }

                    MoveCursor(move, request.Cursor);

                    insert.Parameters.Clear();
                    insert.Parameters.AddWithValue("$kind", item.Kind);
                    insert.Parameters.AddWithValue("$platform", item.Platform);
                    insert.Parameters.AddWithValue("$delivery", (object?)item.Delivery ?? DBNull.Value);
                    insert.Parameters.AddWithValue("$hint", (object?)item.Hint ?? DBNull.Value);
                    insert.Parameters.AddWithValue("$origin", item.Origin);
                    insert.Parameters.AddWithValue("$received", item.Received);
                    insert.Parameters.AddWithValue("$body", item.Body);
                    var seq = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
                    request.Outcome = EnqueueOutcome.Accepted;
                    accepted.Add(new IntakeRow(seq, item));
                }
                else
                {
                    foreach (var seq in request.Completed!)
                    {
                        delete.Parameters.Clear();
                        delete.Parameters.AddWithValue("$seq", seq);
                        delete.ExecuteNonQuery();
                    }
                }
            }

            transaction.Commit();
        }

        return accepted;
    }

    private static void MoveCursor(SqliteCommand move, KeyValuePair<string, string>? cursor)
    {
        if (cursor is not { } value) return;
        move.Parameters.Clear();
        move.Parameters.AddWithValue("$name", value.Key);
        move.Parameters.AddWithValue("$value", value.Value);
        move.ExecuteNonQuery();
    }

    private List<IntakeRow> LoadPending()
    {
        var rows = new List<IntakeRow>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, kind, platform, delivery, hint, origin, received, body FROM intake ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new IntakeRow(
                reader.GetInt64(0),
                new IntakeItem(
                    reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetString(5), (byte[])reader.GetValue(7), reader.GetInt64(6))));
        }

        return rows;
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A payload to store, or rows to delete; <see cref="Done"/> completes once the transaction holding it is durable.</summary>
    private sealed class Request(IntakeItem? item, long[]? completed)
    {
        public IntakeItem? Item { get; } = item;

        public long[]? Completed { get; } = completed;

        public EnqueueOutcome Outcome { get; set; } = EnqueueOutcome.Accepted;

        public KeyValuePair<string, string>? Cursor { get; init; }

        public TaskCompletionSource<EnqueueOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
