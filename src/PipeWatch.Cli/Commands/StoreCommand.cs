using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch store check</c>: reads the whole store through and says whether it is sound, without changing it; <c>store migrate</c>: upgrades its schema.</summary>
internal static class StoreCommand
{
    public static Command Create(CliHost host) => new("store", "Look after the store file.")
    {
        Check(host),
        StoreMigrateCommand.Create(host),
    };

    private static Command Check(CliHost host)
    {
        var store = CommonOptions.Store();
        var command = new Command("check", "Read the whole store through (SQLite's integrity_check, the schema version and every table) without changing it. " +
            "Stores up to 64 MiB are quick-checked on every open; this checks larger ones, and fully. " +
            "Exit codes: 0 sound; 2 damaged, missing or not a PipeWatch store (one line says why and how to recover); 3 an internal error.")
        {
            store,
        };
        command.SetAction(async (parse, _) =>
        {
            try
            {
                await host.SayAsync($"store ok: {SqliteStore.Check(CommonOptions.ResolveStore(host, parse.GetValue(store)))}");
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
