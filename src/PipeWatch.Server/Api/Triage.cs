using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Alerting;
using PipeWatch.Findings;
using PipeWatch.Store;

namespace PipeWatch.Server.Api;

/// <summary>A suppression made through the API: every non-null member of the scope must match a finding for it to apply.</summary>
internal sealed record Suppression(
    string Id, string? Rule, string? Category, string? Repository, string? Fingerprint, string? Path,
    string Reason, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? DeletedAt, string? DeletedBy)
{
    public bool IsActive(DateTimeOffset now) => DeletedAt is null && (ExpiresAt is null || ExpiresAt > now);

    public bool Matches(Finding finding) =>
        (Rule is null || Rule == finding.Rule)
        && (Category is null || Category == finding.Category)
        && (Repository is null || string.Equals(Repository, finding.Entity.Repository, StringComparison.OrdinalIgnoreCase))
        && (Fingerprint is null || Fingerprint == finding.Fingerprint)
        && (Path is null || Path == finding.Location.File);
}

/// <summary>A change of a finding's status, as recorded.</summary>
internal sealed record FindingAction(string Fingerprint, string Action, DateTimeOffset At, string By, string? Reason);

/// <summary>
/// The watch mode's triage state in the store (SQLite migration 8, PostgreSQL migration 2): finding statuses and their history,
/// suppressions made through the API, API token hashes. Each call opens a connection of its own (<see cref="ISharedTables"/>, the
/// same SQL on either store); rare writes, which on SQLite wait (busy timeout) for the engine's batch to commit.
/// </summary>
/// <remarks>
/// Thread-safe. Active suppressions are also kept in memory for <see cref="ShouldEmit"/>. A process that is not the one taking
/// suppressions through the API (a queue worker) reads them again every <c>refreshEvery</c>, so that one made through serve's API
/// applies to it within that time.
/// </remarks>
internal sealed class Triage : IFindingFilter, IDisposable
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Closed = "closed";
    public const string Suppressed = "suppressed";

    private readonly ISharedTables _tables;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _refreshEvery;
    private volatile Suppression[] _active;
    private long _refreshedAt;

    public Triage(ISharedTables tables, TimeProvider time, TimeSpan? refreshEvery = null)
    {
        _tables = tables;
        _time = time;
        _refreshEvery = refreshEvery;
        _active = [.. Suppressions(includeInactive: false)];
        _refreshedAt = time.GetTimestamp();
    }

    /// <summary>The status of each of the fingerprints that has one other than open (no row: open).</summary>
    public Dictionary<string, string> Statuses(IEnumerable<string> fingerprints)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        using var connection = _tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status FROM finding_status WHERE fingerprint = @f";
        var parameter = command.AddParameter("@f", string.Empty);
        foreach (var fingerprint in fingerprints)
        {
            parameter.Value = fingerprint;
            if (command.ExecuteScalar() is string status) statuses[fingerprint] = status;
        }

        return statuses;
    }

    /// <summary>The status a listing shows: suppressed when an active suppression matches, else the recorded one, else open.</summary>
    public string StatusOf(Finding finding, Dictionary<string, string> recorded) =>
        _active.Any(s => s.IsActive(_time.GetUtcNow()) && s.Matches(finding)) ? Suppressed : recorded.GetValueOrDefault(finding.Fingerprint, Open);

    /// <summary>Records an action (ack, close, reopen) on a finding and sets its status.</summary>
    public void Act(string fingerprint, string action, string by, string? reason)
    {
        var status = action switch { "ack" => Acknowledged, "close" => Closed, _ => Open };
        var now = Iso(_time.GetUtcNow());
        using (var connection = _tables.OpenConnection())
        using (var transaction = connection.BeginTransaction())
        {
            Run(
                transaction,
                "INSERT INTO finding_status (fingerprint, status, changed_at, changed_by) VALUES (@f, @s, @at, @by) "
                + "ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                ("@f", fingerprint), ("@s", status), ("@at", now), ("@by", by));
            Run(transaction, "INSERT INTO finding_actions (fingerprint, action, at, by, reason) VALUES (@f, @a, @at, @by, @r)", ("@f", fingerprint), ("@a", action), ("@at", now), ("@by", by), ("@r", reason));
            transaction.Commit();
        }

        Acted?.Invoke(fingerprint, action);
    }

    /// <summary>Told each recorded action (fingerprint, action) after it is stored: alert routes resolve a closed finding (AlertEndpoints).</summary>
    public Action<string, string>? Acted { get; set; }

    /// <summary>The recorded actions on a finding, oldest first.</summary>
    public List<FindingAction> History(string fingerprint)
    {
        var actions = new List<FindingAction>();
        using var connection = _tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT action, at, by, reason FROM finding_actions WHERE fingerprint = @f ORDER BY seq";
        command.AddParameter("@f", fingerprint);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            actions.Add(new FindingAction(fingerprint, reader.GetString(0), Parse(reader.GetString(1)), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return actions;
    }

    public Suppression AddSuppression(string? rule, string? category, string? repository, string? fingerprint, string? path, string reason, string by, DateTimeOffset? expires)
    {
        var suppression = new Suppression(
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), rule, category, repository, fingerprint, path, reason, _time.GetUtcNow(), by, expires, null, null);
        using (var connection = _tables.OpenConnection())
        using (var transaction = connection.BeginTransaction())
        {
            Run(
                transaction,
                "INSERT INTO suppressions (id, rule, category, repository, fingerprint, path, reason, created_at, created_by, expires_at) VALUES (@id, @rule, @category, @repository, @fingerprint, @path, @reason, @at, @by, @expires)",
                ("@id", suppression.Id), ("@rule", rule), ("@category", category), ("@repository", repository), ("@fingerprint", fingerprint), ("@path", path),
                ("@reason", reason), ("@at", Iso(suppression.CreatedAt)), ("@by", by), ("@expires", expires is { } e ? Iso(e) : null));
            transaction.Commit();
        }

        Refresh();
        return suppression;
    }

    /// <summary>Ends a suppression (kept, with who ended it and when); false when there is no active one with this id.</summary>
    public bool DeleteSuppression(string id, string by)
    {
        int changed;
        using (var connection = _tables.OpenConnection())
        using (var transaction = connection.BeginTransaction())
        {
            changed = Run(transaction, "UPDATE suppressions SET deleted_at = @at, deleted_by = @by WHERE id = @id AND deleted_at IS NULL", ("@at", Iso(_time.GetUtcNow())), ("@by", by), ("@id", id));
            transaction.Commit();
        }

        Refresh();
        return changed > 0;
    }

    public List<Suppression> Suppressions(bool includeInactive)
    {
        var list = new List<Suppression>();
        var now = _time.GetUtcNow();
        using var connection = _tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, rule, category, repository, fingerprint, path, reason, created_at, created_by, expires_at, deleted_at, deleted_by FROM suppressions ORDER BY created_at, id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string? At(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var s = new Suppression(
                reader.GetString(0), At(1), At(2), At(3), At(4), At(5), reader.GetString(6), Parse(reader.GetString(7)), reader.GetString(8),
                At(9) is { } expires ? Parse(expires) : null, At(10) is { } deleted ? Parse(deleted) : null, At(11));
            if (includeInactive || s.IsActive(now)) list.Add(s);
        }

        return list;
    }

    /// <summary>New findings matching an active suppression are neither stored nor alerted.</summary>
    public bool ShouldEmit(Finding finding)
    {
        RefreshWhenDue();
        var active = _active;
        if (active.Length == 0) return true;
        var now = _time.GetUtcNow();
        foreach (var s in active)
        {
            if (s.IsActive(now) && s.Matches(finding)) return false;
        }

        return true;
    }

    /// <summary>The SHA-256 (hex) of the named API token, or null.</summary>
    public string? TokenHash(string name)
    {
        using var connection = _tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sha256 FROM api_tokens WHERE name = @n";
        command.AddParameter("@n", name);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Stores a token's hash under a name, unless one is stored already; true when this one was stored.</summary>
    public bool TryStoreTokenHash(string name, string sha256)
    {
        using var connection = _tables.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var stored = Run(
            transaction,
            "INSERT INTO api_tokens (name, sha256, created_at) VALUES (@n, @h, @at) ON CONFLICT (name) DO NOTHING",
            ("@n", name), ("@h", sha256), ("@at", Iso(_time.GetUtcNow())));
        transaction.Commit();
        return stored > 0;
    }

    public void Dispose()
    {
        // Nothing held: every call opens and closes its own connection.
    }

    private void Refresh()
    {
        _active = [.. Suppressions(includeInactive: false)];
        Interlocked.Exchange(ref _refreshedAt, _time.GetTimestamp());
    }

    // A store error here keeps the suppressions read last (the engine's own batch will meet the same error and report it).
    private void RefreshWhenDue()
    {
        if (_refreshEvery is not { } every || _time.GetElapsedTime(Interlocked.Read(ref _refreshedAt)) < every) return;
        try
        {
            Refresh();
        }
        catch (DbException)
        {
            Interlocked.Exchange(ref _refreshedAt, _time.GetTimestamp());
        }
    }

    private static int Run(DbTransaction transaction, string sql, params (string Name, string? Value)[] parameters)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.AddParameter(name, value);
        return command.ExecuteNonQuery();
    }


    internal static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>The hex SHA-256 of a token as stored.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
