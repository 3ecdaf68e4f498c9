using System.Data.Common;
using PipeWatch.Intel;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>
/// The indicator index (tables <c>intel_feeds</c> and <c>indicators</c>) on any <see cref="ISharedTables"/> store, in SQL both
/// dialects speak: what both stores keep for <c>intel import</c>, <c>intel.feeds</c> and the engine's indicator matching.
/// </summary>
/// <remarks>
/// The rows are SQLite's migration 10 (PostgreSQL's 4): times as ISO 8601 UTC text, flags as 0/1, the rest of an indicator as
/// IndicatorJson. An import reports each value as added or updated, keeps its earliest first-seen time and replaces the rest;
/// 50,000 values per transaction, the statements prepared once. Each call opens a connection of its own.
/// </remarks>
internal sealed class SharedIntel(ISharedTables tables, TimeProvider time) : IIntelStore
{
    /// <summary>Indicators per transaction, as on SQLite.</summary>
    private const int ImportBatch = 50_000;

    public IntelImportResult ImportIndicators(FeedReading reading, DateTimeOffset now, TimeSpan defaultLifetime, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reading);
        int added = 0, updated = 0, pending = 0;
        var defaultUntil = SqliteStore.Iso(now + defaultLifetime);
        using var connection = tables.OpenConnection();
        var transaction = connection.BeginTransaction();
        try
        {
            using (var feed = Command(
                connection,
                "INSERT INTO intel_feeds (feed, format, source, imported_at) VALUES (@feed, @format, @source, @at) " +
                "ON CONFLICT (feed) DO UPDATE SET format = excluded.format, source = excluded.source, imported_at = excluded.imported_at",
                "@feed", "@format", "@source", "@at"))
            {
                feed.Transaction = transaction;
                feed.Parameters[0].Value = reading.Feed;
                feed.Parameters[1].Value = reading.Format;
                feed.Parameters[2].Value = reading.File;
                feed.Parameters[3].Value = SqliteStore.Iso(now);
                feed.ExecuteNonQuery();
            }

            using var exists = Command(connection, "SELECT 1 FROM indicators WHERE feed = @feed AND kind = @kind AND value = @value", "@feed", "@kind", "@value");
            using var upsert = Command(
                connection,
                "INSERT INTO indicators (feed, kind, value, first_seen, last_seen, valid_from, valid_until, confidence, revoked, alert, body) " +
                "VALUES (@feed, @kind, @value, @first, @last, @from, @until, @confidence, @revoked, @alert, @body) " +
                "ON CONFLICT (feed, kind, value) DO UPDATE SET " +
                "first_seen = CASE WHEN indicators.first_seen IS NULL OR excluded.first_seen < indicators.first_seen THEN excluded.first_seen ELSE indicators.first_seen END, " +
                "last_seen = excluded.last_seen, valid_from = excluded.valid_from, valid_until = excluded.valid_until, confidence = excluded.confidence, " +
                "revoked = excluded.revoked, alert = excluded.alert, body = excluded.body",
                "@feed", "@kind", "@value", "@first", "@last", "@from", "@until", "@confidence", "@revoked", "@alert", "@body");
            // Typed once: a null first value would leave the parameter's type to the server's guess.
            upsert.Parameters[7].Value = 0;
            upsert.Parameters[8].Value = 0L;
            upsert.Parameters[9].Value = 0L;
            foreach (var c in new[] { exists, upsert })
            {
                c.Transaction = transaction;
                c.Parameters[0].Value = reading.Feed;
            }

            foreach (var indicator in reading.Indicators)
            {
                ct.ThrowIfCancellationRequested();
                var kind = IndicatorKinds.Name(indicator.Kind);
                exists.Parameters[1].Value = kind;
                exists.Parameters[2].Value = indicator.Value;
                if (exists.ExecuteScalar() is null) added++;
                else updated++;
                upsert.Parameters[1].Value = kind;
                upsert.Parameters[2].Value = indicator.Value;
                upsert.Parameters[3].Value = indicator.FirstSeen is { } first ? SqliteStore.Iso(first) : DBNull.Value;
                upsert.Parameters[4].Value = SqliteStore.Iso(indicator.LastSeen is { } last && last > now ? last : now);
                upsert.Parameters[5].Value = indicator.ValidFrom is { } from ? SqliteStore.Iso(from) : DBNull.Value;
                upsert.Parameters[6].Value = indicator.ValidUntil is { } until ? SqliteStore.Iso(until) : defaultUntil;
                upsert.Parameters[7].Value = indicator.Confidence is { } confidence ? confidence : DBNull.Value;
                upsert.Parameters[8].Value = indicator.Revoked ? 1L : 0L;
                upsert.Parameters[9].Value = indicator.Alert ? 1L : 0L;
                upsert.Parameters[10].Value = IndicatorJson.Write(indicator);
                upsert.ExecuteNonQuery();
                if (++pending < ImportBatch) continue;
                transaction.Commit();
                transaction.Dispose();
                transaction = connection.BeginTransaction();
                exists.Transaction = transaction;
                upsert.Transaction = transaction;
                pending = 0;
            }

            transaction.Commit();
        }
        finally
        {
            transaction.Dispose();
        }

        return new IntelImportResult(added, updated);
    }

    public IReadOnlyList<IntelFeedSummary> ListIntelFeeds()
    {
        var counts = new Dictionary<string, Dictionary<IndicatorKind, long>>(StringComparer.Ordinal);
        var expired = new Dictionary<string, long>(StringComparer.Ordinal);
        using var connection = tables.OpenConnection(readOnly: true);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT feed, kind, count(*), sum(CASE WHEN revoked = 1 OR valid_until <= @now THEN 1 ELSE 0 END) FROM indicators GROUP BY feed, kind";
            command.AddParameter("@now", SqliteStore.Iso(time.GetUtcNow()));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var feed = reader.GetString(0);
                if (!counts.TryGetValue(feed, out var byKind)) counts[feed] = byKind = [];
                if (IndicatorKinds.Parse(reader.GetString(1)) is { } kind) byKind[kind] = reader.GetInt64(2);
                expired[feed] = expired.GetValueOrDefault(feed) + reader.GetInt64(3);
            }
        }

        var feeds = new List<IntelFeedSummary>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT feed, format, source, imported_at FROM intel_feeds ORDER BY feed";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var feed = reader.GetString(0);
                feeds.Add(new IntelFeedSummary(
                    feed, reader.GetString(1), reader.GetString(2), SqliteStore.ParseIso(reader.GetString(3)), counts.GetValueOrDefault(feed) ?? [], expired.GetValueOrDefault(feed)));
            }
        }

        return feeds;
    }

    public long RemoveIntelFeed(string feed)
    {
        using var connection = tables.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM indicators WHERE feed = @feed";
        command.AddParameter("@feed", feed);
        long removed = command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM intel_feeds WHERE feed = @feed";
        var feeds = command.ExecuteNonQuery();
        transaction.Commit();
        return feeds == 0 && removed == 0 ? -1 : removed;
    }

    public long RemoveUnlisted(string feed, DateTimeOffset importedAt)
    {
        // An import sets last_seen to its own time (or the feed's later one) on every value it lists.
        using var connection = tables.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM indicators WHERE feed = @feed AND last_seen < @at";
        command.AddParameter("@feed", feed);
        command.AddParameter("@at", SqliteStore.Iso(importedAt));
        return command.ExecuteNonQuery();
    }

    public IEnumerable<Indicator> ReadIndicators()
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT feed, kind, value, first_seen, last_seen, valid_from, valid_until, confidence, revoked, alert, body FROM indicators";
        using var reader = command.ExecuteReader();
        var feeds = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            if (IndicatorKinds.Parse(reader.GetString(1)) is not { } kind) continue;
            var feedName = reader.GetString(0);
            if (!feeds.TryGetValue(feedName, out var feed)) feeds[feedName] = feed = feedName;
            var indicator = new Indicator(kind, reader.GetString(2), feed)
            {
                FirstSeen = reader.IsDBNull(3) ? null : SqliteStore.ParseIso(reader.GetString(3)),
                LastSeen = reader.IsDBNull(4) ? null : SqliteStore.ParseIso(reader.GetString(4)),
                ValidFrom = reader.IsDBNull(5) ? null : SqliteStore.ParseIso(reader.GetString(5)),
                ValidUntil = SqliteStore.ParseIso(reader.GetString(6)),
                Confidence = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                Revoked = reader.GetInt64(8) != 0,
                Alert = reader.GetInt64(9) != 0,
            };
            yield return IndicatorJson.Read(reader.GetString(10), indicator);
        }
    }

    private static DbCommand Command(DbConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters) command.AddParameter(p, string.Empty);
        return command;
    }
}
