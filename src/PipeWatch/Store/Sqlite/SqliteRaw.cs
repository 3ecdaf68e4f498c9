using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PipeWatch.Store.Sqlite;

/// <summary>Statements prepared straight on the SQLite handle, for the calls made thousands of times a batch (ledger, baselines, advisory lookups).</summary>
internal static class SqliteRaw
{
    /// <summary>Prepares <paramref name="sql"/> on <paramref name="database"/>; throws the SQLite error when it does not compile.</summary>
    public static sqlite3_stmt Prepare(sqlite3 database, string sql)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(database, sql, out var statement), database);
        return statement;
    }
}
