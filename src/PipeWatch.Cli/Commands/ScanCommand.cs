using System.CommandLine;
using System.Globalization;
using PipeWatch.Alerting;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sinks;
using PipeWatch.Sources.Git;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using Spectre.Console;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch scan [PATH]</c>: runs every commit detector over a git history (or the staged changes, or a plain folder).</summary>
internal static class ScanCommand
{
    private const int ProgressThresholdCommits = 2_000;

    public static Command Create(CliHost host)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "The repository to scan (any folder inside it), or with --no-git a plain folder. Default: the working directory.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        var range = new Option<string?>("--range")
        {
            Description = "Scan only the commits reachable from B and not from A (a push: github.event.before..github.sha). " +
                "The history up to A is read too, only for the detectors to learn from; it is not reported.",
            HelpName = "A..B",
        };
        var since = new Option<string?>("--since")
        {
            Description = "Scan only commits of HEAD committed at or after DATE (2026-01-31, \"2 weeks ago\", anything git accepts); earlier ones are learned from.",
            HelpName = "DATE",
        };
        var all = new Option<bool>("--all") { Description = "Scan every commit reachable from any ref (all branches, tags, remotes), not only HEAD." };
        var staged = new Option<bool>("--staged")
        {
            Description = "Scan only the changes staged in the index against HEAD, as a pre-commit hook does; findings have no commit.",
        };
        var noGit = new Option<bool>("--no-git") { Description = "PATH is a plain folder (or one file): scan every text file in it (skipping binary files, .git folders and files over 32 MB)." };
        var rules = new Option<string?>("--rules")
        {
            Description = "Secret rules to use instead of the built-in ones: a gitleaks config (.toml; [extend] useDefault = true adds the built-in rules) " +
                "or a PipeWatch rule file (.yml, as rules/secrets/builtin.yml).",
            HelpName = "FILE",
        };
        var baseline = new Option<string?>("--baseline")
        {
            Description = "Do not report findings listed in this baseline file (made by --write-baseline): only new leaks show.",
            HelpName = "FILE",
        };
        var writeBaseline = new Option<string?>("--write-baseline")
        {
            Description = "Write every finding of this scan (and those of --baseline) to FILE as accepted, and exit 0. Commit the file, then scan with --baseline FILE.",
            HelpName = "FILE",
        };
        var learn = new Option<int>("--learn")
        {
            Description = "With --range or --since: how many of the newest commits before the range the detectors learn from (read, not reported); 0 for none.",
            DefaultValueFactory = _ => GitSelection.DefaultLearnLimit,
            HelpName = "N",
        };
        learn.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0) result.AddError("--learn must be 0 or more");
        });
        var workers = new Option<int>("--workers")
        {
            Description = "Threads that scan file contents in parallel (detectors still see commits one at a time, oldest first). Default: the number of cores.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
            HelpName = "N",
        };
        workers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 256) result.AddError("--workers must be from 1 to 256");
        });
        var profile = new Option<bool>("--profile") { Description = "After the scan, print to stderr where its CPU time went: reading the history, preparation and each detector." };
        var store = CommonOptions.Store();
        store.Description = "Also keep findings and the detectors' baselines in this SQLite store (shared with ingest and findings). " +
            $"Without --store or ${CommonOptions.StoreVariable}, scan writes nothing but its output.";
        var format = CommonOptions.Format();
        var output = CommonOptions.Output();
        var reports = CommonOptions.Reports();
        var config = CommonOptions.Config();
        var failOn = CommonOptions.FailOn("Exit with 1 when a finding is at or above this severity; 'none' never fails.");
        var details = CommonOptions.Details();
        var strict = CommonOptions.Strict();
        var vulndb = AdvisoryDatabase.Option();
        var verify = new Option<bool>("--verify")
        {
            Description = "Ask each secret's own provider, by one read-only call, whether it is live (GitHub, GitLab, Slack, npm, Stripe, OpenAI, SendGrid, Twilio, AWS): " +
                "the finding says live, revoked or unknown. Sends each secret to its provider; off unless given (or secrets.verify in the config).",
        };
        var workflows = new WorkflowScanOptions();

        var command = new Command(
            "scan",
            "Scan a git repository for indicators of compromise in what its commits changed: secrets in added lines (secrets.hardcoded), " +
            "risky changes to CI definitions (code-change.pipeline-tampering), obfuscated code (code-change.obfuscated-code), and commits by " +
            "unexpected authors, at unusual hours or offsets, or deleting far more than usual (code-change.unauthorized-author, unusual-time, " +
            "unusual-location, large-deletion), " +
            "by default over the whole history of HEAD, oldest first. Every added line is scanned once: content seen in an earlier commit is skipped. " +
            PipeWatchApp.ExitCodeHelp)
        {
            path, range, since, all, staged, noGit, learn, rules, baseline, writeBaseline, workers, profile, store, format, output, reports, failOn, config, details, strict, vulndb, verify,
        };
        foreach (var option in workflows.All) command.Options.Add(option);
        command.Validators.Add(result =>
        {
            var modes = new[] { ("--range", result.GetValue(range) is not null), ("--since", result.GetValue(since) is not null), ("--all", result.GetValue(all)),
                ("--staged", result.GetValue(staged)), ("--no-git", result.GetValue(noGit)) }.Where(m => m.Item2).Select(m => m.Item1).ToList();
            if (modes.Count > 1) result.AddError($"{string.Join(" and ", modes)} cannot be combined: pick one");
        });
        command.SetAction((parse, ct) => RunAsync(
            host,
            new ScanRequest(
                parse.GetRequiredValue(path),
                new GitSelection(parse.GetValue(range), parse.GetValue(since), parse.GetValue(all), parse.GetValue(staged), parse.GetValue(learn)),
                parse.GetValue(noGit),
                parse.GetValue(rules),
                parse.GetValue(baseline),
                parse.GetValue(writeBaseline),
                parse.GetValue(workers),
                parse.GetValue(store),
                parse.GetRequiredValue(format),
                parse.GetValue(output),
                parse.GetValue(reports) ?? [],
                parse.GetRequiredValue(failOn),
                parse.GetValue(config),
                parse.GetValue(details),
                parse.GetValue(strict),
                parse.GetValue(vulndb),
                parse.GetValue(profile),
                parse.GetValue(verify),
                workflows.Read(parse)),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliHost host, ScanRequest request, CancellationToken ct)
    {
        // Without --rules the built-in rules are used unless the config names others: build them while the rest starts up.
        if (request.Rules is null) SecretRulesLoading.StartBuiltIn();
        if (await CommonOptions.LoadConfigAsync(host, request.Config) is not { } loaded) return ExitCodes.Usage;
        if (await WorkflowScanOptions.PrepareAsync(host, request.Workflows, loaded) is not var (config, online)) return ExitCodes.Usage;
        using var onlineChecks = online;
        if (request.Verify) config = config with { Secrets = config.Secrets with { Verify = true } };

        await host.DetailAsync(CommonOptions.DescribeConfig(host, request.Config));

        var accepted = FindingBaseline.Empty;
        if (request.Baseline is { } baselinePath)
        {
            try
            {
                accepted = FindingBaseline.Load(host.Resolve(baselinePath));
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                await host.Error.WriteLineAsync($"pipewatch: {(ex is FormatException ? ex.Message : $"{host.Resolve(baselinePath)}: cannot read ({ex.Message})")}");
                return ExitCodes.Usage;
            }
        }

        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        ICommitSource? source = null;
        try
        {
            var target = host.Resolve(request.Path);
            if (request.NoGit)
            {
                source = new FolderSource(target, problems, request.Workers) { Skipping = Outputs(request, host) };
            }
            else
            {
                var history = new GitHistorySource(GitRepository.Open(target), request.Selection, problems);
                source = history;
                // git walks the history while the rules, detectors and outputs are built (wall time of every scan).
                history.Start();
            }
        }
        catch (GitException ex)
        {
            source?.Dispose();
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return ExitCodes.Usage;
        }

        using (source)
        {
            if (await SecretRulesLoading.LoadAsync(host, request.Rules ?? config.Secrets.Rules) is not { } book) return ExitCodes.Usage;
            IStore? store = null;
            if (request.Store is not null || !string.IsNullOrWhiteSpace(host.Environment(CommonOptions.StoreVariable)))
            {
                store = await CommonOptions.OpenStoreAsync(host, CommonOptions.ResolveStore(host, request.Store), "scan --store");
                if (store is null) return ExitCodes.Usage;
            }

            using (store)
            {
                // Dependencies are matched against the advisory database ('vulndb update'); else the advisories 'vulndb import --store' put in
                // the store; without --store, those of the default store if there is one.
                using var database = await AdvisoryDatabase.OpenExistingAsync(host, request.VulnDb);
                if (database is null && request.VulnDb is not null) return ExitCodes.Usage;
                using var advisoryStore = store is null && database is null && File.Exists(CommonOptions.ResolveStore(host, null)) ? TryOpen(CommonOptions.ResolveStore(host, null)) : null;
                using var advisories = ((IAdvisoryStore?)database ?? (store as IAdvisoryStore) ?? advisoryStore)?.OpenAdvisoryIndex();
                // Added lines are matched against the indicators 'intel import' put in the store (the same store as advisories) and the built-in list.
                var intel = ((store as IIntelStore) ?? advisoryStore) is { } intelStore ? ExfilServices.With(intelStore.ReadIndicators(), host.Time.GetUtcNow()) : null;
                var detectors = BuiltInDetectors.ForScan(config, book, advisories, problems, commits: !request.NoGit, intel: intel);
                if (online?.CreateDetector(config, problems, recognizeByContent: request.NoGit) is { } asking) detectors = [.. detectors, asking];
                var all = new CollectingSink();
                var profiling = request.Profile ? new ScanProfile() : null;
                using var routing = await AlertRouting.OpenAsync(config, host, problems, store);
                if (routing is null) return ExitCodes.Usage;
                var builder = new PipelineBuilder(store).WithConfig(config).WithCommitDetectors(detectors).WithSecretRules(book).WithTime(host.Time).WithProblems(problems)
                    .WithScanOptions(new ScanOptions { Workers = request.Workers, Signals = config.Signals, Profile = profiling }).WithInventory().AddSink(all);
                var ruleInfos = detectors.Select(a => a.Info)
                    .Concat(book.Rules.Select(r => new DetectorInfo(r.Id, Categories.HardcodedSecret, [], r.Description)));
                // Output files resolve against the working directory, like every path on the command line; only report paths inside them are relative to the repository.
                if (FindingOutput.Create(request.Format, request.Output, host, ruleInfos, source.Root) is { } sink) builder.AddSink(sink);
                foreach (var report in FindingOutput.Reports(request.Reports, host, ruleInfos, source.Root)) builder.AddSink(report);
                if (accepted.Count > 0) builder.AddFilter(accepted);
                routing.AddTo(builder);
                var engine = builder.BuildScan(commits: !request.NoGit);

                ScanSummary summary;
                try
                {
                    summary = await RunWithProgressAsync(host, engine, source, problems, ct);
                }
                catch (GitException ex)
                {
                    await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
                    return ExitCodes.Usage;
                }

                if (request.Format == "table" && request.Output is null) FindingsView.Render(all.Findings, host, request.Details);
                await host.SayAsync(Describe(summary, source, request.NoGit, request.Selection.Staged, host) + Problems(problems.Count));
                if (profiling is not null) await ScanProfileView.WriteAsync(host.Error, profiling, summary);
                if (request.Strict && problems.Count > 0)
                {
                    await host.Error.WriteLineAsync($"pipewatch: --strict: {problems.Count} problem{(problems.Count == 1 ? "" : "s")} above; the scan is not complete");
                    return ExitCodes.Usage;
                }

                if (request.WriteBaseline is { } written)
                {
                    var file = host.Resolve(written);
                    try
                    {
                        var combined = accepted.With(all.Findings);
                        combined.Save(file);
                        await host.Error.WriteLineAsync($"wrote {combined.Count} accepted finding{(combined.Count == 1 ? "" : "s")} to {host.Display(file)}");
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        await host.Error.WriteLineAsync($"pipewatch: {file}: cannot write the baseline ({ex.Message})");
                        return ExitCodes.Usage;
                    }

                    return ExitCodes.Ok;
                }

                var threshold = CommonOptions.ParseSeverity(request.FailOn);
                return threshold is { } minimum && all.Findings.Any(f => f.Severity >= minimum) ? ExitCodes.Findings : ExitCodes.Ok;
            }
        }
    }

    // A folder scan must not read the files this run writes (--output, --report) when they lie inside the folder.
    private static Func<string, bool>? Outputs(ScanRequest request, CliHost host)
    {
        var files = request.Reports.Select(CommonOptions.ParseReport).OfType<(string Format, string File)>().Select(r => r.File)
            .Prepend(request.Output).OfType<string>().Select(host.Resolve).ToList();
        return files.Count == 0 ? null : file => files.Exists(output => ReplacingFileStream.Writes(output, file));
    }

    private static SqliteStore? TryOpen(string path)
    {
        try
        {
            return SqliteStore.Open(path);
        }
        catch (StoreException)
        {
            return null;
        }
    }

    private static async Task<ScanSummary> RunWithProgressAsync(CliHost host, ScanEngine engine, ICommitSource source, ConsoleProblemReporter problems, CancellationToken ct)
    {
        var total = host.Interactive ? source.CountCommits() : null;
        if (total is not { } commits || commits < ProgressThresholdCommits)
        {
            return await engine.RunAsync(source, null, ct);
        }

        return await ProgressDisplay.RunAsync<ScanProgress, ScanSummary>(
            host,
            problems,
            "scanning",
            commits,
            progress => engine.RunAsync(source, progress, ct),
            p => (p.Commits, $"{p.Commits:N0} commits, {p.BytesRead / (1 << 20):N0} MB, {p.Findings:N0} findings"));
    }

    private static string Describe(ScanSummary s, ICommitSource source, bool folder, bool staged, CliHost host)
    {
        var what = folder
            ? $"scanned {s.Commits:N0} file{(s.Commits == 1 ? "" : "s")} of {host.Display(source.Root)}"
            : staged
            ? $"scanned the staged changes of {source.Repository}"
            : $"scanned {s.Commits:N0} commit{(s.Commits == 1 ? "" : "s")} of {source.Repository}" + (s.LearnedCommits > 0 ? $" ({s.LearnedCommits:N0} earlier ones learned from)" : string.Empty);
        var seconds = s.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var text = $"{what} in {seconds} s: {s.Findings:N0} finding{(s.Findings == 1 ? "" : "s")}" +
            (s.Suppressed > 0 ? $", {s.Suppressed:N0} allowed or in the baseline" : string.Empty);
        return s.Cancelled ? text + " (interrupted)" : text;
    }

    // Problems (an unreadable file, a rule that timed out) said in the summary too: a scan that could not see everything says so.
    private static string Problems(long count) => count == 0 ? string.Empty : $", {count:N0} problem{(count == 1 ? "" : "s")} (above)";

    private sealed record ScanRequest(
        string Path, GitSelection Selection, bool NoGit, string? Rules, string? Baseline, string? WriteBaseline, int Workers,
        string? Store, string Format, string? Output, string[] Reports, string FailOn, string? Config, bool Details, bool Strict, string? VulnDb, bool Profile, bool Verify,
        WorkflowScanOptions.Request Workflows);
}
