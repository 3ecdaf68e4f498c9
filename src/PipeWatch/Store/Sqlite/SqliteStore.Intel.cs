using PipeWatch.Intel;

namespace PipeWatch.Store.Sqlite;

/// <summary>The indicator index of migration 10: feeds, and their indicators by (feed, kind, value).</summary>
public sealed partial class SqliteStore : IIntelStore
{
    public IntelImportResult ImportIndicators(FeedReading reading, DateTimeOffset now, TimeSpan defaultLifetime, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reading);
        int added = 0, updated = 0, pending = 0;
        var defaultUntil = Iso(now + defaultLifetime);
        var transaction = _connection.BeginTransaction();
        try
        {
            using (var feed = Command(
                "INSERT INTO intel_feeds (feed, format, source, imported_at) VALUES ($feed, $format, $source, $at) " +
                "ON CONFLICT (feed) DO UPDATE SET format = excluded.format, source = excluded.source, imported_at = excluded.imported_at",
                transaction, "$feed", "$format", "$source", "$at"))
            {
                feed.Parameters["$feed"].Value = reading.Feed;
                feed.Parameters["$format"].Value = reading.Format;
                feed.Parameters["$source"].Value = reading.File;
                feed.Parameters["$at"].Value = Iso(now);
                feed.ExecuteNonQuery();
            }

            using var exists = Command("SELECT 1 FROM indicators WHERE feed = $feed AND kind = $kind AND value = $value", transaction, "$feed", "$kind", "$value");
            using var upsert = Command(
                "INSERT INTO indicators (feed, kind, value, first_seen, last_seen, valid_from, valid_until, confidence, revoked, alert, body) " +
                "VALUES ($feed, $kind, $value, $first, $last, $from, $until, $confidence, $revoked, $alert, $body) " +
                "ON CONFLICT (feed, kind, value) DO UPDATE SET " +
                "first_seen = CASE WHEN indicators.first_seen IS NULL OR excluded.first_seen < indicators.first_seen THEN excluded.first_seen ELSE indicators.first_seen END, " +
                "last_seen = excluded.last_seen, valid_from = excluded.valid_from, valid_until = excluded.valid_until, confidence = excluded.confidence, " +
                "revoked = excluded.revoked, alert = excluded.alert, body = excluded.body",
                transaction, "$feed", "$kind", "$value", "$first", "$last", "$from", "$until", "$confidence", "$revoked", "$alert", "$body");
            foreach (var c in new[] { exists, upsert }) c.Parameters["$feed"].Value = reading.Feed;
            foreach (var indicator in reading.Indicators)
            {
                ct.ThrowIfCancellationRequested();
                var kind = IndicatorKinds.Name(indicator.Kind);
                exists.Parameters["$kind"].Value = kind;
                exists.Parameters["$value"].Value = indicator.Value;
                if (exists.ExecuteScalar() is null) added++;
                else updated++;
                upsert.Parameters["$kind"].Value = kind;
                upsert.Parameters["$value"].Value = indicator.Value;
                upsert.Parameters["$first"].Value = indicator.FirstSeen is { } first ? Iso(first) : DBNull.Value;
                upsert.Parameters["$last"].Value = Iso(indicator.LastSeen is { } last && last > now ? last : now);
                upsert.Parameters["$from"].Value = indicator.ValidFrom is { } from ? Iso(from) : DBNull.Value;
                upsert.Parameters["$until"].Value = indicator.ValidUntil is { } until ? Iso(until) : defaultUntil;
                upsert.Parameters["$confidence"].Value = indicator.Confidence is { } confidence ? confidence : DBNull.Value;
                upsert.Parameters["$revoked"].Value = indicator.Revoked ? 1 : 0;
                upsert.Parameters["$alert"].Value = indicator.Alert ? 1 : 0;
                upsert.Parameters["$body"].Value = IndicatorJson.Write(indicator);
                upsert.ExecuteNonQuery();
                if (++pending < ImportBatch * 10) continue;
                transaction.Commit();
                transaction.Dispose();
                transaction = _connection.BeginTransaction();
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
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT feed, kind, count(*), sum(revoked = 1 OR valid_until <= $now) FROM indicators GROUP BY feed, kind";
            command.Parameters.AddWithValue("$now", Iso(DateTimeOffset.UtcNow));
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
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT feed, format, source, imported_at FROM intel_feeds ORDER BY feed";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var feed = reader.GetString(0);
                feeds.Add(new IntelFeedSummary(
                    feed, reader.GetString(1), reader.GetString(2), ParseIso(reader.GetString(3)), counts.GetValueOrDefault(feed) ?? [], expired.GetValueOrDefault(feed)));
            }
        }

        return feeds;
    }

    public long RemoveIntelFeed(string feed)
    {
        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM indicators WHERE feed = $feed";
        command.Parameters.AddWithValue("$feed", feed);
        long removed = command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM intel_feeds WHERE feed = $feed";
        var feeds = command.ExecuteNonQuery();
        transaction.Commit();
        return feeds == 0 && removed == 0 ? -1 : removed;
    }

    public long RemoveUnlisted(string feed, DateTimeOffset importedAt)
    {
        // An import sets last_seen to its own time (or the feed's later one) on every value it lists.
        using var command = _connection.CreateCommand();
        command.CommandText = "DELETE FROM indicators WHERE feed = $feed AND last_seen < $at";
        command.Parameters.AddWithValue("$feed", feed);
        command.Parameters.AddWithValue("$at", Iso(importedAt));
        return command.ExecuteNonQuery();
    }

    public IEnumerable<Indicator> ReadIndicators()
    {
        using var command = _connection.CreateCommand();
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
                FirstSeen = reader.IsDBNull(3) ? null : ParseIso(reader.GetString(3)),
                LastSeen = reader.IsDBNull(4) ? null : ParseIso(reader.GetString(4)),
                ValidFrom = reader.IsDBNull(5) ? null : ParseIso(reader.GetString(5)),
                ValidUntil = ParseIso(reader.GetString(6)),
                Confidence = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                Revoked = reader.GetInt64(8) != 0,
                Alert = reader.GetInt64(9) != 0,
            };
            yield return IndicatorJson.Read(reader.GetString(10), indicator);
        }
    }
}
