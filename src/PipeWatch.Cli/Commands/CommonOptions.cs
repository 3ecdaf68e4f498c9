using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Engine;
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

    /// <summary>The formats findings can be written in, for --format and --report.</summary>
    public static readonly string[] Formats = ["table", "json", "sarif", "gitlab-secret-detection", "ecs", "ocsf", "cef"];

    public static Option<string> Format() => new Option<string>("--format", "-f")
    {
        Description = "Output format: table (a person at a terminal), json (JSON Lines, one finding per line), sarif (SARIF 2.1.0) or " +
            "gitlab-secret-detection (GitLab's secret-detection report, schema 15.2.4: leaked secrets only), " +
            "ecs (Elastic Common Schema 8.11 alert documents, JSON Lines), ocsf (OCSF 1.3.0 Detection Findings, JSON Lines) or cef (ArcSight CEF lines).",
        DefaultValueFactory = _ => "table",
        HelpName = "table|json|sarif|gitlab-secret-detection|ecs|ocsf|cef",
    }.AcceptOnlyFromAmong(Formats);

    /// <summary><c>--report FORMAT=FILE</c>, repeatable: findings also written in another format to a file, beside --format.</summary>
    public static Option<string[]> Reports() => new Option<string[]>("--report")
    {
        Description = "Also write the findings in FORMAT to FILE, beside --format's output; repeatable " +
            "(e.g. --report sarif=pipewatch.sarif --report gitlab-secret-detection=gl-secret-detection-report.json).",
        HelpName = "FORMAT=FILE",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
        Validators =
        {
            result =>
            {
                foreach (var token in result.Tokens)
                {
                    if (ParseReport(token.Value) is null)
                    {
                        result.AddError($"--report {token.Value}: expected FORMAT=FILE with FORMAT one of {string.Join(", ", Formats)}");
                    }
                }
            },
        },
    };

    /// <summary>A --report value as its format and file; null when it is not FORMAT=FILE with a known format.</summary>
    public static (string Format, string File)? ParseReport(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == value.Length - 1) return null;
        var format = value[..equals];
        return Formats.Contains(format, StringComparer.Ordinal) ? (format, value[(equals + 1)..]) : null;
    }

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
    }.AcceptOnlyFromAmongIgnoringCase("info", "low", "medium", "high", "critical", "none");

    /// <summary><c>--details</c>: the terminal view shows each finding's full explanation under it.</summary>
    public static Option<bool> Details() => new("--details")
    {
        Description = "With --format table: show each finding's full explanation (what was observed, the baseline, why it crossed the line, what to do).",
    };

    /// <summary><c>--strict</c>: a problem with the input (an unreadable file, a bad record) makes the run exit with 2.</summary>
    public static Option<bool> Strict() => new("--strict")
    {
        Description = "Exit with 2 when any input could not be read completely (an unreadable file, a bad record, an invalid YAML file), " +
            "after reporting what was found; without it, problems are reported and the rest is read.",
    };

    /// <summary>
    /// Loads <c>--config</c> (or pipewatch.yml in the working directory, or the defaults); on a bad file writes every problem
    /// to standard error, each naming file, line and key, and gives null (the command then exits with 2).
    /// </summary>
    public static async Task<PipeWatchConfig?> LoadConfigAsync(CliHost host, string? configPath)
    {
        try
        {
            return ConfigLoader.Load(configPath is null ? null : host.Resolve(configPath), host.WorkingDirectory);
        }
        catch (ConfigException ex)
        {
            foreach (var problem in ex.Problems) await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {problem}"));
            return null;
        }
    }

    /// <summary>For --verbose: which config a run uses ("config: pipewatch.yml", or none: the defaults).</summary>
    public static string DescribeConfig(CliHost host, string? option)
    {
        var file = option is not null ? host.Resolve(option) : Path.Combine(host.WorkingDirectory, "pipewatch.yml");
        return option is not null || File.Exists(file) ? $"config: {host.Display(file)}" : "config: none (pipewatch.yml not found; defaults)";
    }

    /// <summary>The store path: --store, else $PIPEWATCH_STORE, else the default under the working directory.</summary>
    public static string ResolveStore(CliHost host, string? option) =>
        StoreFactory.Resolve(option ?? NonEmpty(host.Environment(StoreVariable)) ?? DefaultStore, host.WorkingDirectory);

    /// <summary>Opens any store the factory knows at <paramref name="path"/> (SQLite, PostgreSQL), for the commands that run the engine ('serve', 'worker'); on failure says why on standard error and gives null (exit 2).</summary>
    public static async Task<IStore?> OpenAnyStoreAsync(CliHost host, string path)
    {
        try
        {
            return StoreFactory.Open(path);
        }
        catch (StoreException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return null;
        }
    }

    /// <summary>Opens the SQLite store at <paramref name="path"/> for <paramref name="command"/>; on failure (or a PostgreSQL store) says why on standard error, naming the command, and gives null (the command then exits with 2).</summary>
    public static async Task<SqliteStore?> OpenStoreAsync(CliHost host, string path, string command)
    {
        try
        {
            // The commands that open a store here read and write SQLite's own tables (the findings' listing, the intake); a
            // PostgreSQL store serves the engine ('serve', 'worker'), 'store migrate', and the vulndb, intel, secrets and inventory commands.
            var store = StoreFactory.Open(path);
            if (store is SqliteStore sqlite) return sqlite;
            store.Dispose();
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {path}: '{command}' works on a SQLite store only so far (a PostgreSQL store serves 'serve', 'worker', 'store migrate', and the 'vulndb', 'intel', 'secrets' and 'inventory' commands)"));
            return null;
        }
        catch (StoreException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return null;
        }
    }

    /// <summary>
    /// Opens any store the factory knows at <paramref name="path"/> (SQLite, PostgreSQL) for <paramref name="command"/>, which needs
    /// its part <typeparamref name="T"/> (advisories, indicators, known secrets); on failure, or when the store does not hold that
    /// part, says why on standard error, naming the command, and gives null (exit 2).
    /// </summary>
    public static async Task<StorePart<T>?> OpenStorePartAsync<T>(CliHost host, string path, string command)
        where T : class
    {
        IStore store;
        try
        {
            store = StoreFactory.Open(path);
        }
        catch (StoreException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return null;
        }

        if (store is T part) return new StorePart<T>(store, part, store is SqliteStore sqlite ? host.Display(sqlite.Path) : path);
        store.Dispose();
        await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {path}: '{command}' needs a SQLite store for now (this store does not hold its tables)"));
        return null;
    }

    public static Severity? ParseSeverity(string? text) => SeverityNames.TryParse(text, out var severity) ? severity : null;

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}

/// <summary>A store opened for the part of it a command needs; disposing it closes the store.</summary>
/// <param name="Display">The store as messages name it (a file path as the user sees it, or a database without its password).</param>
internal sealed record StorePart<T>(IStore Store, T Part, string Display) : IDisposable
{
    public void Dispose() => Store.Dispose();
}
