using System.Globalization;
using PipeWatch.Cli.Rendering;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch store migrate</c>: applies the schema migrations a store lacks (SQLite or PostgreSQL) and says the version before and after.</summary>
internal static class StoreMigrateCommand
{
    public static System.CommandLine.Command Create(CliHost host)
    {
        var store = CommonOptions.Store();
        var command = new System.CommandLine.Command("migrate", "Apply the schema migrations the store lacks, creating it when new (a SQLite file, or a PostgreSQL database: " +
            "postgres://user@host:port/db, the password from PGPASSWORD or a password file), and print the schema version before and after. " +
            "Every command also migrates the store it opens; this lets an operator do it once, before workers start. " +
            "Exit codes: 0 migrated (or already current); 2 the store cannot be reached or is not a PipeWatch store (one line says why); 3 an internal error.")
        {
            store,
        };
        command.SetAction(async (parse, _) =>
        {
            var location = CommonOptions.ResolveStore(host, parse.GetValue(store));
            try
            {
                var (before, after) = StoreFactory.Migrate(location);
                // A PostgreSQL location that reached here carries no password (it is refused).
                var shown = StoreFactory.IsPostgres(location) ? location : host.Display(location);
                var said = before == after
                    ? string.Create(CultureInfo.InvariantCulture, $"{shown}: schema version {after}, already current")
                    : string.Create(CultureInfo.InvariantCulture, $"{shown}: schema version {before} -> {after}");
                await host.SayAsync(said);
                return ExitCodes.Ok;
            }
            catch (StoreException ex)
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
                return ExitCodes.Usage;
            }
        });
        return command;
    }
}
