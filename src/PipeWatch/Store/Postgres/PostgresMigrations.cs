namespace PipeWatch.Store.Postgres;

/// <summary>
/// The PostgreSQL schema's numbered migrations, its own list (not SQLite's): the table <c>pipewatch_schema</c> records each one
/// applied. Append only.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>Created before the first migration; one row per migration applied.</summary>
    public const string SchemaTable =
        """
        CREATE TABLE IF NOT EXISTS pipewatch_schema (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """;

    public static IReadOnlyList<string> All { get; } =
    [
        // 1: the ingest ledger, baselines, findings (numbered in the order they were stored, for the read side's cursor paging)
        // and incidents: SQLite's migrations 1, 2, 3 and 7 in one.
        """
        CREATE TABLE event_ledger (
            t bigint NOT NULL,                -- the event's time in Unix seconds; 0 when the source gave none
            id bigint NOT NULL,               -- 64-bit XxHash3 of the event id, seeded with t
            PRIMARY KEY (t, id)
        );
        CREATE TABLE baselines (
            key text PRIMARY KEY,             -- "<detector>|<detector's key>"
            version smallint NOT NULL,        -- the baseline type's format version
            data bytea NOT NULL
        );
        CREATE TABLE findings (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the order findings were stored (and committed: see PostgresStoreBatch)
            fingerprint text NOT NULL UNIQUE,
            rule text NOT NULL,
            category text NOT NULL,
            severity integer NOT NULL,
            repository text,
            timestamp timestamptz NOT NULL,
            detected_at timestamptz NOT NULL,
            body text NOT NULL                -- the finding as FindingJson
        );
        CREATE INDEX findings_by_timestamp ON findings (timestamp);
        CREATE INDEX findings_by_category ON findings (category, timestamp);
        CREATE INDEX findings_by_repository ON findings (lower(repository), seq);
        CREATE TABLE incidents (
            id text PRIMARY KEY,
            first_seen timestamptz NOT NULL,
            last_seen timestamptz NOT NULL,
            severity integer NOT NULL
        );
        CREATE INDEX incidents_by_last_seen_id ON incidents (last_seen, id);
        CREATE TABLE incident_findings (
            fingerprint text PRIMARY KEY,     -- a finding is in one incident
            incident_id text NOT NULL,
            timestamp timestamptz NOT NULL,   -- the finding's, copied for the window search
            actor text,                       -- correlation keys, lower-case; null links nothing
            run text,                         -- "<repository>|<run id>"
            target text                       -- the account acted upon: links like an actor
        );
        CREATE INDEX incident_findings_by_incident ON incident_findings (incident_id);
        CREATE INDEX incident_findings_by_actor ON incident_findings (actor, timestamp);
        CREATE INDEX incident_findings_by_run ON incident_findings (run, timestamp);
        CREATE INDEX incident_findings_by_target ON incident_findings (target, timestamp);
        """,

        // 2: the tables written beside the engine's batches through ISharedTables, as SQLite's migrations 8, 9, 12 and 13 made
        // them: the watch mode's finding statuses and their history, suppressions made through the API, API token hashes and the
        // dashboard's recent events per repository; the alert routes' delivery log and outbox. Times are ISO 8601 UTC text, as on
        // SQLite, so that the same code reads and orders them.
        """
        CREATE TABLE finding_status (
            fingerprint text PRIMARY KEY,     -- a stored finding's fingerprint
            status text NOT NULL,             -- open, acknowledged or closed
            changed_at text NOT NULL,         -- ISO 8601 UTC
            changed_by text NOT NULL
        );
        CREATE TABLE finding_actions (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            fingerprint text NOT NULL,
            action text NOT NULL,             -- ack, close, reopen
            at text NOT NULL,
            by text NOT NULL,
            reason text
        );
        CREATE INDEX finding_actions_by_fingerprint ON finding_actions (fingerprint, seq);
        CREATE TABLE suppressions (
            id text PRIMARY KEY,
            rule text, category text, repository text, fingerprint text, path text,  -- the scope: every non-null member must match
            reason text NOT NULL,
            created_at text NOT NULL,
            created_by text NOT NULL,
            expires_at text,                  -- null: until deleted
            deleted_at text,
            deleted_by text
        );
        CREATE TABLE api_tokens (
            name text PRIMARY KEY,            -- 'generated' for the one made at first start
            sha256 text NOT NULL,             -- hex SHA-256 of the token
            created_at text NOT NULL
        );
        CREATE TABLE recent_events (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- arrival order
            repository text NOT NULL,
            at text NOT NULL,                 -- the event's @timestamp, ISO 8601 UTC
            body text NOT NULL                -- the EventSummary as JSON
        );
        CREATE INDEX recent_events_by_repository ON recent_events (repository, seq);
        CREATE TABLE alert_deliveries (
            route text NOT NULL,              -- the route's name in pipewatch.yml
            fingerprint text NOT NULL,        -- the finding's (or a throttle summary's own)
            status text NOT NULL,             -- 'delivered' or 'dead-letter'
            attempts integer NOT NULL,        -- attempts made so far, over every try
            error text,                       -- the last error of a dead letter
            updated_at text NOT NULL,         -- ISO 8601 UTC of the last outcome
            alert text,                       -- a dead letter's alert: {"finding": FindingJson, "incident": id}; null once delivered
            PRIMARY KEY (route, fingerprint)
        );
        CREATE INDEX alert_deliveries_by_status ON alert_deliveries (status, updated_at);
        CREATE TABLE alert_outbox (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the order in which alerts were accepted
            route text NOT NULL,
            fingerprint text NOT NULL,        -- the finding's; its body is read from findings
            incident text,                    -- the incident it joined, and whether it opened it
            incident_is_new bigint NOT NULL,
            queued_at text NOT NULL           -- ISO 8601 UTC
        );
        CREATE UNIQUE INDEX alert_outbox_by_route ON alert_outbox (route, fingerprint);
        """,

        // 3: the advisory index (SharedAdvisories): SQLite's migrations 4 and 6. Key columns in byte order ("C"), as SQLite's.
        """
        CREATE TABLE advisories (
            id text COLLATE "C" PRIMARY KEY,  -- the OSV id
            modified text,                    -- ISO 8601 UTC, from the record
            body text NOT NULL                -- the advisory as AdvisoryJson, without its affected entries
        );
        CREATE TABLE advisory_packages (
            ecosystem text COLLATE "C" NOT NULL,  -- the OSV ecosystem without its ':release' suffix
            name text COLLATE "C" NOT NULL,       -- normalized as PackageNames.Normalize
            advisory_id text COLLATE "C" NOT NULL,
            ranges text NOT NULL,                 -- CompactAffected: this package's entries
            PRIMARY KEY (ecosystem, name, advisory_id)
        );
        CREATE INDEX advisory_packages_by_id ON advisory_packages (advisory_id);
        """,

        // 4: the indicator index (SharedIntel): SQLite's migration 10. Text in byte order ("C"): ISO times compare as SQLite's.
        """
        CREATE TABLE intel_feeds (
            feed text COLLATE "C" PRIMARY KEY,    -- the name it was imported under
            format text NOT NULL,                 -- the format it was last read as
            source text NOT NULL,                 -- the file or URL last imported from
            imported_at text NOT NULL             -- ISO 8601 UTC of the last import
        );
        CREATE TABLE indicators (
            feed text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,       -- IndicatorKinds.Name: sha256, sha1, md5, domain, ip, url, email
            value text COLLATE "C" NOT NULL,      -- normalized (IndicatorValues)
            first_seen text COLLATE "C",          -- ISO 8601 UTC; the earliest any import gave
            last_seen text COLLATE "C",
            valid_from text COLLATE "C",
            valid_until text COLLATE "C" NOT NULL,  -- the feed's, else the import time plus the default lifetime
            confidence integer,                   -- 0-100, null when the feed gives none
            revoked bigint NOT NULL,
            alert bigint NOT NULL,                -- MISP to_ids; 1 for other feeds
            body text NOT NULL,                   -- description, labels, techniques, reference as IndicatorJson
            PRIMARY KEY (feed, kind, value)
        );
        """,

        // 5: known secrets (SharedKnownSecrets): SQLite's migration 15. No value and no encoding of one is stored.
        """
        CREATE TABLE known_secret_key (
            id integer PRIMARY KEY CHECK (id = 1),
            key bytea NOT NULL                    -- 32 random bytes: the HMAC key of every fingerprint below
        );
        CREATE TABLE known_secrets (
            name text COLLATE "C" NOT NULL,       -- the secret variable (GH_TOKEN)
            form text COLLATE "C" NOT NULL,       -- plain, base64, base64@1, hex, url, reversed, json, prefix-half…
            alphabet text NOT NULL,               -- the form's characters besides ASCII letters and digits
            length integer NOT NULL,              -- the form's length in characters
            hash bytea NOT NULL,                  -- HMAC-SHA256(key, the form's UTF-8 bytes)
            learned_at text NOT NULL,
            PRIMARY KEY (name, form)
        );
        """,

        // 6: the estate's inventory (SharedInventory): SQLite's migration 14. Key columns in byte order ("C"), as SQLite's, so
        // listings and the package lookup come in the same order; times are ISO 8601 UTC text.
        """
        CREATE TABLE inventory (
            place_kind text COLLATE "C" NOT NULL,   -- repository, image, ci-server, runner
            place text COLLATE "C" NOT NULL,        -- owner/name, an image reference, a server URL, a runner's name
            path text COLLATE "C" NOT NULL,         -- the file (or API) that names the package, relative to the place
            ecosystem text COLLATE "C" NOT NULL,
            name text COLLATE "C" NOT NULL,
            version text COLLATE "C" NOT NULL,
            layer text COLLATE "C" NOT NULL,        -- the image layer's digest; empty outside images
            direct bigint NOT NULL,
            source text NOT NULL,                   -- registry, git, path, tarball, unknown
            lookup_ecosystem text COLLATE "C" NOT NULL,  -- the advisory index's key (advisory_packages.ecosystem, .name)
            lookup_name text COLLATE "C" NOT NULL,
            first_seen text NOT NULL,               -- ISO 8601 UTC: since when the place has had this package version
            PRIMARY KEY (place_kind, place, path, ecosystem, name, version, layer)
        );
        CREATE INDEX inventory_by_package ON inventory (lookup_ecosystem, lookup_name);
        CREATE TABLE inventory_exposures (
            advisory_id text COLLATE "C" NOT NULL,
            exposure text COLLATE "C" NOT NULL,     -- place kind|place|ecosystem|name|version
            fingerprint text COLLATE "C" NOT NULL,  -- the finding that reported it
            raised_at text NOT NULL,
            PRIMARY KEY (advisory_id, exposure)
        );
        """,

        // 7: the advisories' change counter (SharedAdvisories): SQLite's migration 16.
        """
        CREATE TABLE advisory_counter (
            id integer PRIMARY KEY CHECK (id = 1),
            changes bigint NOT NULL               -- one more for every import transaction that changed an advisory; only ever grows
        );
        INSERT INTO advisory_counter (id, changes) VALUES (1, 0);
        """,

        // 8: outbox claims (SharedDeliveryLog): SQLite's migration 17. Times in byte order ("C"), as SQLite compares them.
        """
        ALTER TABLE alert_outbox ADD COLUMN claimed_by text COLLATE "C";
        ALTER TABLE alert_outbox ADD COLUMN claimed_until text COLLATE "C";  -- ISO 8601 UTC
        CREATE INDEX alert_outbox_by_claimant ON alert_outbox (claimed_by);
        """,
    ];
}
