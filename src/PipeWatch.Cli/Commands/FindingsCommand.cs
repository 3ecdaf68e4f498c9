using System.CommandLine;
using System.Globalization;
using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch findings</c>: lists the findings kept in the store.</summary>
internal static class FindingsCommand
{
    public static Command Create(CliHost host)
    {
        var store = CommonOptions.Store();
        var since = new Option<string?>("--since")
        {
            Description = "Only findings whose event happened at or after this time: a date (2026-11-01), a timestamp, or an age (24h, 7d).",
            HelpName = "WHEN",
        };
        var category = new Option<string[]>("--category")
        {
            Description = "Only these categories (repeatable), e.g. pipeline.long-duration.",
            HelpName = "CATEGORY",
            AllowMultipleArgumentsPerToken = false,
        };
        var severity = new Option<string?>("--severity")
        {
            Description = "Only findings at or above this severity.",
            HelpName = "info|low|medium|high|critical",
        }.AcceptOnlyFromAmongIgnoringCase("info", "low", "medium", "high", "critical");
        var repository = new Option<string?>("--repository")
        {
            Description = "Only findings about this repository (owner/name).",
            HelpName = "REPO",
        };
        var incidents = new Option<bool>("--incidents")
        {
            Description = "List incidents instead: findings that share an actor or a run within the window, most recent incident first, "
                + "each with its findings as a timeline (table or json; the filters keep incidents with a matching finding).",
        };
        var signals = new Option<bool>("--signals")
        {
            Description = "List the behavioural signals recorded (new author, unusual hour, new place, large deletion, first deploy, first touch of "
                + "secrets), each with its weight and the baseline it was judged against, and the alerts they raised with their risk score.",
        };
        var format = CommonOptions.Format();
        var output = CommonOptions.Output();
        var details = CommonOptions.Details();
        var config = CommonOptions.Config();
        config.Description = "The config file whose allow: entries hide findings stored before they were added (default: pipewatch.yml in the working directory, when present).";

        var command = new Command("findings", "List the findings kept in the store, oldest first. Exit codes: 0 listed; 2 bad usage or no usable store; 3 an internal error (rerun with --verbose).")
        {
            store, since, category, severity, repository, incidents, signals, format, output, details, config,
        };
        command.SetAction((parse, ct) => RunAsync(
            host,
            parse.GetValue(store),
            parse.GetValue(since),
            parse.GetValue(category) ?? [],
            parse.GetValue(severity),
            parse.GetValue(repository),
            parse.GetValue(incidents),
            parse.GetValue(signals),
            parse.GetRequiredValue(format),
            parse.GetValue(output),
            parse.GetValue(details),
            parse.GetValue(config),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(
        CliHost host,
        string? storePath,
        string? since,
        string[] categories,
        string? severity,
        string? repository,
        bool incidents,
        bool signals,
        string format,
        string? outputFile,
        bool details,
        string? configPath,
        CancellationToken ct)
    {
        if (incidents && format is not ("table" or "json"))
        {
            await host.Error.WriteLineAsync($"pipewatch: --incidents cannot be written as {format} (it has no incidents); use --format table or json");
            await host.Error.WriteLineAsync("Run 'pipewatch findings --help' for usage.");
            return ExitCodes.Usage;
        }


        DateTimeOffset? from = null;
        if (since is not null)
        {
            from = ParseSince(since, host.Time.GetUtcNow());
            if (from is null)
            {
                await host.Error.WriteLineAsync($"pipewatch: --since: '{since}' is neither a date, a timestamp nor an age such as 24h or 7d");
                return ExitCodes.Usage;
            }
        }

        foreach (var c in categories.Where(c => !Categories.IsKnown(c)))
        {
            await host.Error.WriteLineAsync($"pipewatch: --category: '{c}' is not a category (known: {string.Join(", ", Categories.All)})");
            return ExitCodes.Usage;
        }

        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;

        await host.DetailAsync(CommonOptions.DescribeConfig(host, configPath));
        // Findings are filtered at detection; entries added since then hide what the store already holds.
        var allow = new AllowlistFilter(config.Allow);
        var path = CommonOptions.ResolveStore(host, storePath);
        if (!StoreFactory.IsPostgres(path) && !File.Exists(path))
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {path}: no store here yet (run 'pipewatch ingest' first, or pass --store)"));
            return ExitCodes.Usage;
        }

        var store = await CommonOptions.OpenStoreAsync(host, path, "findings");
        if (store is null) return ExitCodes.Usage;

        using (store)
        {
            if (incidents)
            {
                return await ListIncidentsAsync(store, host, allow, from, categories, CommonOptions.ParseSeverity(severity), repository, format, outputFile);
            }

            var stored = store.QueryFindings(new FindingQuery(from, categories, CommonOptions.ParseSeverity(severity), repository));
            var findings = stored.Where(allow.ShouldEmit).ToList();
            var allowed = stored.Count - findings.Count;
            if (signals) findings = [.. findings.Where(SignalsView.IsSignalOrRiskAlert)];
            // Stored findings come from scan and ingest alike: every built-in rule describes itself.
            var sink = FindingOutput.Create(format, outputFile, host, DetectorCatalog.Infos);
            if (sink is null && signals)
            {
                SignalsView.Render(findings, host.Out);
            }
            else if (sink is null)
            {
                FindingsView.Render(findings, host, details);
            }
            else
            {
                if (findings.Count > 0) await sink.EmitAsync([.. findings.Select(f => new Alert(f))], ct);
                await sink.CompleteAsync(ct);
            }

            await host.SayAsync($"{findings.Count} finding{(findings.Count == 1 ? "" : "s")}{Allowed(allowed)}");
            return ExitCodes.Ok;
        }
    }

    /// <summary>Incidents newest first; <c>--category</c> and <c>--repository</c> keep those with at least one matching finding.</summary>
    private static async Task<int> ListIncidentsAsync(
        IStore store, CliHost host, AllowlistFilter allow, DateTimeOffset? since, string[] categories, Severity? severity, string? repository, string format, string? outputFile)
    {
        var all = store.QueryIncidents(new IncidentQuery(since, severity));
        // An incident whose every finding is allowed is not shown; the others keep all their findings, so the timeline stays whole.
        var hidden = all.Count(i => i.Findings.Count > 0 && !i.Findings.Any(allow.ShouldEmit));
        var incidents = all
            .Where(i => i.Findings.Count == 0 || i.Findings.Any(allow.ShouldEmit))
            .Where(i => categories.Length == 0 || i.Findings.Any(f => categories.Contains(f.Category, StringComparer.Ordinal)))
            .Where(i => repository is null || i.Repositories.Contains(repository, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var target = outputFile is null ? host.Out : FindingOutput.Open(host.Resolve(outputFile));
        try
        {
            if (format == "json")
            {
                IncidentsView.WriteJsonLines(incidents, target);
            }
            else
            {
                IncidentsView.Render(incidents, outputFile is null ? host : host with { Out = target, Interactive = false });
            }
        }
        finally
        {
            if (outputFile is not null) await target.DisposeAsync();
        }

        var findings = incidents.Sum(i => i.Findings.Count);
        await host.SayAsync(
            $"{incidents.Count} incident{(incidents.Count == 1 ? "" : "s")} ({findings} finding{(findings == 1 ? "" : "s")})" +
            (hidden == 0 ? "" : $"; {hidden} incident{(hidden == 1 ? "" : "s")} of allowed findings not shown"));
        return ExitCodes.Ok;
    }

    private static string Allowed(int count) => count == 0 ? "" : $" ({count} allowed by the config's allow: entries, not shown)";

    internal static DateTimeOffset? ParseSince(string text, DateTimeOffset now)
    {
        if (DurationText.TryParse(text, out var age) && char.IsLetter(text.Trim()[^1])) return now - age;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}
