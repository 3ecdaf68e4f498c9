using System.CommandLine;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Cli.Commands;

/// <summary>Options shared by the commands that read or write state, with their help text.</summary>
internal static class CommonOptions
{
    public const string StoreVariable = "PIPEWATCH_STORE";
    public const string DefaultStore = ".pipewatch/pipewatch.db";

    public static Option<string?> Store() => new("--store")
    {
        Description = $"The SQLite store of baselines and findings (default: ${StoreVariable}, else {DefaultStore} under the working directory).",
        HelpName = "PATH",
    };

    public static Option<string> Format() => new Option<string>("--format", "-f")
    {
        Description = "Output format: table (a person at a terminal), json (JSON Lines, one finding per line) or sarif (SARIF 2.1.0).",
        DefaultValueFactory = _ => "table",
        HelpName = "table|json|sarif",
    }.AcceptOnlyFromAmong("table", "json", "sarif");

    public static Option<string?> Output() => new("--output", "-o")
    {
        Description = "Write findings to this file instead of stdout.",
        HelpName = "FILE",
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = "The config file (default: pipewatch.yml in the working directory, when present).",
        HelpName = "FILE",
    };

    /// <summary><c>--fail-on</c>: the severity at or above which a finding makes the command exit with 1 (default low; none never fails).</summary>
    public static Option<string> FailOn(string description) => new Option<string>("--fail-on")
    {
        Description = description,
        DefaultValueFactory = _ => "low",
        HelpName = "info|low|medium|high|critical|none",
    }.AcceptOnlyFromAmong("info", "low", "medium", "high", "critical", "none");

    /// <summary>The store path: --store, else $PIPEWATCH_STORE, else the default under the working directory.</summary>
    public static string ResolveStore(CliHost host, string? option) =>
        host.Resolve(option ?? NonEmpty(host.Environment(StoreVariable)) ?? DefaultStore);

    /// <summary>Opens the store at <paramref name="path"/>; on failure says why on standard error and gives null (the command then exits with 2).</summary>
    public static async Task<SqliteStore?> OpenStoreAsync(CliHost host, string path)
    {
        try
        {
            return SqliteStore.Open(path);
        }
        catch (StoreException ex)
        {
            await host.Error.WriteLineAsync($"pipewatch: {ex.Message}");
            return null;
        }
    }

    public static Severity? ParseSeverity(string? text) => SeverityNames.TryParse(text, out var severity) ? severity : null;

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
