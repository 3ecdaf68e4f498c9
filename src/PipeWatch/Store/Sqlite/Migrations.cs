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
    ];
}
