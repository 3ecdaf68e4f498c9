using System.Data.Common;

namespace PipeWatch.Store;

/// <summary>
/// A store whose plain tables (triage, suppressions, API tokens, recent events, the delivery log) the watch mode reads and writes
/// with SQL of its own, the same code on either store: each call opens a connection of its own, outside the engine's batch.
/// </summary>
/// <remarks>
/// The SQL written against it is the common dialect both speak: named parameters as <c>@name</c>, <c>INSERT … ON CONFLICT</c>,
/// timestamps as ISO 8601 UTC text (so that ordering and parsing are the same on both). Where the two differ (JSON functions,
/// collation) a caller asks <see cref="Dialect"/>.
/// </remarks>
internal interface ISharedTables
{
    /// <summary>Which SQL the connections speak.</summary>
    SqlDialect Dialect { get; }

    /// <summary>The store as messages name it (a file path, or a database without its password).</summary>
    string Display { get; }

    /// <summary>Opens a connection of its own to the store; <paramref name="readOnly"/> asks for one that cannot write (the embedded store honours it).</summary>
    /// <exception cref="DbException">The store cannot be reached.</exception>
    DbConnection OpenConnection(bool readOnly = false);
}

/// <summary>The SQL a <see cref="ISharedTables"/> store speaks.</summary>
internal enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>Parameters on a <see cref="ISharedTables"/> connection's commands, whichever store made them.</summary>
internal static class SharedCommands
{
    /// <summary>Adds the parameter <paramref name="name"/> (<c>@name</c>) with <paramref name="value"/> (null: SQL NULL) and returns it, for a command run several times.</summary>
    public static DbParameter AddParameter(this DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
