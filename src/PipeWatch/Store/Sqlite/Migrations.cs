using Microsoft.Data.Sqlite;

namespace PipeWatch.Store.Sqlite;

/// <summary>The numbered schema migrations; <c>PRAGMA user_version</c> records how many have run. Append only.</summary>
internal static class Migrations
{
    public static IReadOnlyList<string> All { get; } =
    [
        // 1: the ingest ledger, baselines and findings.
        """
        CREATE TABLE ingested_events (
            id INTEGER PRIMARY KEY            -- 64-bit XxHash3 of the event id
        );
        CREATE TABLE baselines (
            key TEXT PRIMARY KEY,             -- "<detector>|<detector's key>"
            version INTEGER NOT NULL,         -- the baseline type's format version
            data BLOB NOT NULL
        );
        CREATE TABLE findings (
            fingerprint TEXT PRIMARY KEY,
            rule TEXT NOT NULL,
            category TEXT NOT NULL,
            severity INTEGER NOT NULL,
            repository TEXT,
            timestamp TEXT NOT NULL,          -- ISO 8601 UTC, sorts as text
            detected_at TEXT NOT NULL,
            body TEXT NOT NULL                -- the finding as FindingJson
        );
        CREATE INDEX findings_by_timestamp ON findings (timestamp);
        CREATE INDEX findings_by_category ON findings (category, timestamp);
        """,

        // 2: incidents, findings grouped by a shared actor or run within a window. Findings stored before it are in none.
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL,         -- ISO 8601 UTC of its earliest finding
            last_seen TEXT NOT NULL,          -- and of its latest
            severity INTEGER NOT NULL         -- the highest of its findings
        );
        CREATE INDEX incidents_by_last_seen ON incidents (last_seen);
        CREATE TABLE incident_findings (
            fingerprint TEXT PRIMARY KEY,     -- a finding is in one incident
            incident_id TEXT NOT NULL,
            timestamp TEXT NOT NULL,          -- the finding's, copied for the window search
            actor TEXT,                       -- correlation keys, lower-case; null links nothing
            run TEXT,                         -- "<repository>|<run id>"
            target TEXT                       -- the account acted upon: links like an actor
        );
        CREATE INDEX incident_findings_by_incident ON incident_findings (incident_id);
        CREATE INDEX incident_findings_by_actor ON incident_findings (actor, timestamp);
        CREATE INDEX incident_findings_by_run ON incident_findings (run, timestamp);
        CREATE INDEX incident_findings_by_target ON incident_findings (target, timestamp);
        """,

        // 3: the ledger keyed by (event time in seconds, id hash). Time-ordered input then appends to the B-tree, where hash keys
        // inserted all over it and cost twice as much. The old ledger stays, read-only, so events ingested before still count.
        """
        CREATE TABLE event_ledger (
            t INTEGER NOT NULL,               -- the event's time in Unix seconds; 0 when the source gave none
            id INTEGER NOT NULL,              -- 64-bit XxHash3 of the event id
            PRIMARY KEY (t, id)
        ) WITHOUT ROWID;
        """,

        // 4: the vulnerability advisory index (OSV records imported by 'vulndb import'), keyed by ecosystem and package name.
        """
        CREATE TABLE advisories (
            id TEXT PRIMARY KEY,              -- the OSV id
            modified TEXT,                    -- ISO 8601 UTC, from the record
            body TEXT NOT NULL                -- the advisory as AdvisoryJson
        );
        CREATE TABLE advisory_packages (
            ecosystem TEXT NOT NULL,          -- the OSV ecosystem without its ':release' suffix
            name TEXT NOT NULL,               -- normalized as PackageNames.Normalize
            advisory_id TEXT NOT NULL,
            PRIMARY KEY (ecosystem, name, advisory_id)
        ) WITHOUT ROWID;
        CREATE INDEX advisory_packages_by_id ON advisory_packages (advisory_id);
        """,

        // 5: the ledger as ten-minute buckets of hashes (SqliteLedger): one row per bucket instead of one per event. The
        // ledger of migration 3 stays, read-only, and is consulted while it holds events.
        """
        CREATE TABLE ledger_buckets (
            bucket INTEGER PRIMARY KEY,       -- Unix seconds / 600 of the events' time; below -2^62 for events without one
            hashes BLOB NOT NULL              -- XxHash3 of each event id seeded with its Unix seconds, 8 bytes little-endian each, in no order
        );
        """,

        // 6: each package's affected entries in compact form beside its key, so matching reads them instead of whole advisories;
        // advisory bodies lose their affected entries. Stores before it are filled in by SqliteStore.FillCompactRanges.
        """
        ALTER TABLE advisory_packages ADD COLUMN ranges TEXT NOT NULL DEFAULT '';  -- CompactAffected: this package's entries
        """,

        // 7: findings numbered in the order they were stored, for the read side's cursor paging (SqliteStoreReader). The table is
        // rebuilt with 'seq' as its INTEGER PRIMARY KEY, the rowid it had, so that VACUUM keeps it; the fingerprint stays unique.
        // Incidents get an index for paging by (last_seen, id).
        """
        CREATE TABLE findings_numbered (
            seq INTEGER PRIMARY KEY,          -- the order in which findings were stored
            fingerprint TEXT NOT NULL UNIQUE,
            rule TEXT NOT NULL,
            category TEXT NOT NULL,
            severity INTEGER NOT NULL,
            repository TEXT,
            timestamp TEXT NOT NULL,          -- ISO 8601 UTC, sorts as text
            detected_at TEXT NOT NULL,
            body TEXT NOT NULL                -- the finding as FindingJson
        );
        INSERT INTO findings_numbered (seq, fingerprint, rule, category, severity, repository, timestamp, detected_at, body)
            SELECT rowid, fingerprint, rule, category, severity, repository, timestamp, detected_at, body FROM findings ORDER BY rowid;
        DROP TABLE findings;
        ALTER TABLE findings_numbered RENAME TO findings;
        CREATE INDEX findings_by_timestamp ON findings (timestamp);
        CREATE INDEX findings_by_category ON findings (category, timestamp);
        CREATE INDEX findings_by_repository ON findings (repository);  -- with the rowid: (repository, seq), for paging one repository
        CREATE INDEX incidents_by_last_seen_id ON incidents (last_seen, id);
        """,

        // 8: the watch mode's triage (PipeWatch.Server): each finding's status and every change to it (who, when, why),
        // suppressions made through the API, and the hashes of API tokens. Its intake queue is a file of its own (it is written
        // while a batch holds this file's write lock).
        """
        CREATE TABLE finding_status (
            fingerprint TEXT PRIMARY KEY,     -- a stored finding's fingerprint
            status TEXT NOT NULL,             -- open, acknowledged or closed
            changed_at TEXT NOT NULL,         -- ISO 8601 UTC
            changed_by TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE finding_actions (
            seq INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            action TEXT NOT NULL,             -- ack, close, reopen
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            reason TEXT
        );
        CREATE INDEX finding_actions_by_fingerprint ON finding_actions (fingerprint, seq);
        CREATE TABLE suppressions (
            id TEXT PRIMARY KEY,
            rule TEXT, category TEXT, repository TEXT, fingerprint TEXT, path TEXT,  -- the scope: every non-null member must match
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            expires_at TEXT,                  -- null: until deleted
            deleted_at TEXT,
            deleted_by TEXT
        ) WITHOUT ROWID;
        CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY,            -- 'generated' for the one made at first start
            sha256 TEXT NOT NULL,             -- hex SHA-256 of the token (a random 256-bit value)
            created_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """,

        // 9: what became of each alert on each route (IDeliveryLog): delivered, or dead-lettered with the last error and the alert
        // itself, kept for 'pipewatch alerts retry'. One row per route and finding; a later outcome replaces the earlier one.
        """
        CREATE TABLE alert_deliveries (
            route TEXT NOT NULL,              -- the route's name in pipewatch.yml
            fingerprint TEXT NOT NULL,        -- the finding's (or a throttle summary's own)
            status TEXT NOT NULL,             -- 'delivered' or 'dead-letter'
            attempts INTEGER NOT NULL,        -- attempts made so far, over every try
            error TEXT,                       -- the last error of a dead letter
            updated_at TEXT NOT NULL,         -- ISO 8601 UTC of the last outcome
            alert TEXT,                       -- a dead letter's alert: {"finding": FindingJson, "incident": id}; null once delivered
            PRIMARY KEY (route, fingerprint)
        ) WITHOUT ROWID;
        CREATE INDEX alert_deliveries_by_status ON alert_deliveries (status, updated_at);
        """,

        // 10: the indicator index ('intel import'): feeds, and their indicators by (feed, kind, normalized value).
        """
        CREATE TABLE intel_feeds (
            feed TEXT PRIMARY KEY,            -- the name it was imported under
            format TEXT NOT NULL,             -- the format it was last read as
            source TEXT NOT NULL,             -- the file or URL last imported from
            imported_at TEXT NOT NULL         -- ISO 8601 UTC of the last import
        );
        CREATE TABLE indicators (
            feed TEXT NOT NULL,
            kind TEXT NOT NULL,               -- IndicatorKinds.Name: sha256, sha1, md5, domain, ip, url, email
            value TEXT NOT NULL,              -- normalized (IndicatorValues)
            first_seen TEXT,                  -- ISO 8601 UTC; the earliest any import gave
            last_seen TEXT,
            valid_from TEXT,
            valid_until TEXT NOT NULL,        -- the feed's, else the import time plus the default lifetime
            confidence INTEGER,               -- 0-100, null when the feed gives none
            revoked INTEGER NOT NULL,
            alert INTEGER NOT NULL,           -- MISP to_ids; 1 for other feeds
            body TEXT NOT NULL,               -- description, labels, techniques, reference as IndicatorJson
            PRIMARY KEY (feed, kind, value)
        ) WITHOUT ROWID;
        """,

        // 11: nothing. The slot was held for the watch mode's follow-ups, which went into its intake file instead; the entry
        // stays so that the numbers after it are what stores already record.
        "SELECT 1;",

        // 12: the dashboard's recent events per repository (PipeWatch.Server's RecentEvents): what /api/events lists and the
        // anomaly pictures draw beside the baselines. Bounded: the newest rows per repository are kept, older ones deleted.
        """
        CREATE TABLE recent_events (
            seq INTEGER PRIMARY KEY,          -- arrival order
            repository TEXT NOT NULL,
            at TEXT NOT NULL,                 -- the event's @timestamp, ISO 8601 UTC
            body TEXT NOT NULL                -- the EventSummary as JSON (kind, dataset, action, outcome, run, job, user, duration, steps)
        );
        CREATE INDEX recent_events_by_repository ON recent_events (repository, seq);
        """,

        // 13: the alert outbox: each alert a route accepted, written in the same transaction as its finding and deleted when the
        // route records its outcome (alert_deliveries), so what a crash or a kill interrupts is sent again at the next start.
        """
        CREATE TABLE alert_outbox (
            seq INTEGER PRIMARY KEY,          -- the order in which alerts were accepted
            route TEXT NOT NULL,              -- the route's name in pipewatch.yml
            fingerprint TEXT NOT NULL,        -- the finding's; its body is read from findings
            incident TEXT,                    -- the incident it joined, and whether it opened it
            incident_is_new INTEGER NOT NULL,
            queued_at TEXT NOT NULL           -- ISO 8601 UTC
        );
        CREATE UNIQUE INDEX alert_outbox_by_route ON alert_outbox (route, fingerprint);
        """,

        // 14: the estate's inventory (SharedInventory): the packages each place holds now (repositories, images, CI servers,
        // runners), replaced place by place or file by file, each keyed also as the advisory index keys packages so that a new
        // advisory finds its places by one index search; and which places each advisory's re-match findings reported.
        """
        CREATE TABLE inventory (
            place_kind TEXT NOT NULL,         -- repository, image, ci-server, runner
            place TEXT NOT NULL,              -- owner/name, an image reference, a server URL, a runner's name
            path TEXT NOT NULL,               -- the file (or API) that names the package, relative to the place
            ecosystem TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            layer TEXT NOT NULL,              -- the image layer's digest; empty outside images
            direct INTEGER NOT NULL,
            source TEXT NOT NULL,             -- registry, git, path, tarball, unknown
            lookup_ecosystem TEXT NOT NULL,   -- the advisory index's key (advisory_packages.ecosystem, .name)
            lookup_name TEXT NOT NULL,
            first_seen TEXT NOT NULL,         -- ISO 8601 UTC: since when the place has had this package version
            PRIMARY KEY (place_kind, place, path, ecosystem, name, version, layer)
        ) WITHOUT ROWID;
        CREATE INDEX inventory_by_package ON inventory (lookup_ecosystem, lookup_name);
        CREATE TABLE inventory_exposures (
            advisory_id TEXT NOT NULL,
            exposure TEXT NOT NULL,           -- place kind|place|ecosystem|name|version
            fingerprint TEXT NOT NULL,        -- the finding that reported it
            raised_at TEXT NOT NULL,
            PRIMARY KEY (advisory_id, exposure)
        ) WITHOUT ROWID;
        """,

        // 15: known secrets ('secrets learn'): the store's random fingerprint key, and HMAC-SHA256 fingerprints of each learned
        // value's forms (plain, base64 at each alignment, hex, URL, reversed, JSON…). No value and no encoding of one is stored.
        """
        CREATE TABLE known_secret_key (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            key BLOB NOT NULL                 -- 32 random bytes: the HMAC key of every fingerprint below
        );
        CREATE TABLE known_secrets (
            name TEXT NOT NULL,               -- the secret variable (GH_TOKEN)
            form TEXT NOT NULL,               -- plain, base64, base64@1, hex, url, reversed, json, prefix-half…
            alphabet TEXT NOT NULL,           -- the form's characters besides ASCII letters and digits
            length INTEGER NOT NULL,          -- the form's length in characters
            hash BLOB NOT NULL,               -- HMAC-SHA256(key, the form's UTF-8 bytes)
            learned_at TEXT NOT NULL,
            PRIMARY KEY (name, form)
        ) WITHOUT ROWID;
        """,

        // 16: the advisories' change counter (SharedAdvisories): one more for every import transaction that added, changed or
        // withdrew an advisory, so that an index following the store reloads even when the count and the newest date stay the same.
        """
        CREATE TABLE advisory_counter (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            changes INTEGER NOT NULL          -- only ever grows
        );
        INSERT INTO advisory_counter (id, changes) VALUES (1, 0);
        """,

        // 17: outbox claims (SharedDeliveryLog): which process holds an alert while it delivers it, and until when. A claim that
        // is not renewed (its process died) expires and another process takes the alert; no claim: any process may take it.
        """
        ALTER TABLE alert_outbox ADD COLUMN claimed_by TEXT;
        ALTER TABLE alert_outbox ADD COLUMN claimed_until TEXT;  -- ISO 8601 UTC
        CREATE INDEX alert_outbox_by_claimant ON alert_outbox (claimed_by);
        """,
    ];

    /// <summary>Data conversions that SQL alone cannot do, by the migration (1-based) they follow, run in its transaction.</summary>
    public static IReadOnlyDictionary<int, Action<SqliteConnection, SqliteTransaction>> Upgrades { get; } = new Dictionary<int, Action<SqliteConnection, SqliteTransaction>>
    {
        [6] = SqliteStore.FillCompactRanges,
    };
}
