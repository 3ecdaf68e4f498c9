using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors;
using PipeWatch.Engine;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Sources.Artifacts;
using PipeWatch.Sources.Files;
using PipeWatch.Sources.Images;
using PipeWatch.Sources.JobLogs;
using PipeWatch.Sources.Runner.Agent;
using Spectre.Console;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch ingest PATH…</c>: replays exported CI payloads through every detector, learning baselines as it goes.</summary>
internal static class IngestCommand
{
    private const long ProgressThresholdBytes = 4 << 20;

    public static Command Create(CliHost host)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files or folders to read: JSON documents, arrays of them or JSON Lines, text logs of a known format (Jenkins Audit Trail), " +
                "CI job logs (GitHub Actions logs and their zip downloads, GitLab job traces, Jenkins console text, other .log/.txt files as plain text), " +
                "and dependency files recognized by name (package-lock.json, yarn.lock, packages.lock.json, *.csproj, requirements.txt, go.mod, Cargo.lock, pom.xml, " +
                ".github/workflows/*.yml, .gitlab-ci.yml, Dockerfile, plugins.txt…). Folders are read recursively, in name order; " +
                "from a git checkout (a folder with .git) only its dependency files are read. '-' reads standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        paths.Validators.Add(result =>
        {
            // A mistyped option would otherwise be taken for a path.
            foreach (var token in result.Tokens.Select(t => t.Value).Where(v => v.StartsWith('-') && v != "-" && !Path.Exists(host.Resolve(v))))
            {
                result.AddError($"unknown option '{token}'");
            }
        });
        var store = CommonOptions.Store();
        var source = new Option<string?>("--source")
        {
            Description = "Read every document as this format instead of recognizing each one. FORMAT is one of: " +
                string.Join(", ", PayloadFormats.All.Select(f => f.Id)) + "; or, to read every file as a CI job log: " +
                string.Join(", ", JobLogFormats.All.Select(f => f.Id)) + ".",
            HelpName = "FORMAT",
        };
        source.AcceptOnlyFromAmong([.. PayloadFormats.All.Select(f => f.Id), .. JobLogFormats.All.Select(f => f.Id)]);
        var format = CommonOptions.Format();
        var output = CommonOptions.Output();
        var reports = CommonOptions.Reports();
        var config = CommonOptions.Config();
        var rules = new Option<string[]>("--rules")
        {
            Description = "A folder (or file) of Sigma rules to run besides the built-in pack; repeat for more. Rules that cannot be loaded are named on stderr with file, line and reason, and the rest run.",
            HelpName = "DIR",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var artifacts = new Option<string[]>("--artifacts")
        {
            Description = "A folder (or file) of build artifacts: every file, and every member of its archives (zip, whl, nupkg, jar, tar, tar.gz, tgz), is hashed and matched against the store's threat-intel indicators; repeatable.",
            HelpName = "DIR",
            AllowMultipleArgumentsPerToken = false,
        };
        var images = new Option<string[]>("--image")
        {
            Description = "A container image to read: a 'docker save' archive, an OCI image layout (a folder, or a tar of one; plain or gzip), or registry://HOST[:PORT]/NAME[:TAG|@sha256:DIGEST] pulled over the OCI distribution API (anonymously; digests checked). Its OS packages (dpkg, apk, rpm) and " +
                "language packages (node_modules, Python dist-info, .NET deps.json) are matched against the advisories, each with the layer it came from; repeatable.",
            HelpName = "PATH",
            AllowMultipleArgumentsPerToken = false,
        };
        var baseImage = new Option<string?>("--base-image")
        {
            Description = "The image the --image builds started from (same forms): layers it shares are reported as the base image's, the others as added by the build.",
            HelpName = "PATH",
        };
        var failOn = CommonOptions.FailOn("Exit with 1 when a new finding (with --fail-on-open, also one reported before and still open) is at or above this severity; 'none' never fails.");
        var failOnOpen = new Option<bool>("--fail-on-open")
        {
            Description = "Let --fail-on apply also to findings this input raises that an earlier run already reported (still open in the store), so ingest can gate like scan.",
        };
        var details = CommonOptions.Details();
        var strict = CommonOptions.Strict();
        var vulndb = AdvisoryDatabase.Option();
        var verify = new Option<bool>("--verify")
        {
            Description = "Ask each secret printed in a job log its own provider, by one read-only call, whether it is live: the finding says live, revoked or unknown. " +
                "Sends each secret to its provider; off unless given (or secrets.verify in the config).",
        };

        var command = new Command(
            "ingest",
            "Read exported CI/CD data and report new findings: GitHub workflow, deployment and administrative webhooks, REST job lists and audit logs; " +
            "GitLab pipeline, job and deployment hooks and audit events; Jenkins build, stage and Audit Trail data; Kubernetes audit events; " +
            "Argo CD applications; generic deployment records; CI job logs, scanned for secrets printed in them, plain or encoded; " +
            "lockfiles, manifests and CI definitions as they are now, matched against the advisories 'pipewatch vulndb import' put in the store and the registry allowlist. " +
            "Each document's format is recognized on its own. Ingesting the same input twice changes nothing. " + PipeWatchApp.ExitCodeHelp)
        {
            paths, store, source, format, output, reports, failOn, failOnOpen, config, rules, artifacts, images, baseImage, details, strict, vulndb, verify,
        };
        command.SetAction((parse, ct) => RunAsync(
            host,
            parse.GetValue(paths) ?? [],
            parse.GetValue(store),
            parse.GetValue(source),
            parse.GetRequiredValue(format),
            parse.GetValue(output),
            parse.GetValue(reports) ?? [],
            parse.GetRequiredValue(failOn),
            parse.GetValue(config),
            parse.GetValue(rules) ?? [],
            parse.GetValue(artifacts) ?? [],
            new ImageInputs(parse.GetValue(images) ?? [], parse.GetValue(baseImage)),
            new IngestFlags(parse.GetValue(failOnOpen), parse.GetValue(details), parse.GetValue(strict), parse.GetValue(vulndb), parse.GetValue(verify)),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(
        CliHost host, string[] paths, string? storePath, string? sourceId, string format, string? outputFile, string[] reports, string failOn, string? configPath, string[] ruleFolders, string[] artifactFolders, ImageInputs imageInputs, IngestFlags flags, CancellationToken ct)
    {
        // A rule folder that is not there is a mistake in the command, not a rule that failed to load.
        if (ruleFolders.Select(host.Resolve).FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p)) is { } missingRules)
        {
            await host.Error.WriteLineAsync($"pipewatch: --rules {host.Display(missingRules)}: no such file or folder");
            return ExitCodes.Usage;
        }

        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        if (flags.Verify) config = config with { Secrets = config.Secrets with { Verify = true } };

        // The user's secret rules (secrets.rules) redact every finding, as scan's do.
        if (await SecretRulesLoading.LoadAsync(host, config.Secrets.Rules) is not { } secretRules) return ExitCodes.Usage;
        if (ruleFolders.Length > 0) config = config with { Sigma = config.Sigma with { Folders = [.. config.Sigma.Folders, .. ruleFolders.Select(host.Resolve)] } };
        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        var files = InputFiles.Expand(paths.Select(p => p == "-" ? InputFiles.StandardInput : host.Resolve(p)), problems);
        var artifactPaths = artifactFolders.Select(host.Resolve).ToList();
        if (artifactPaths.FirstOrDefault(p => !Path.Exists(p)) is { } missing)
        {
            await host.Error.WriteLineAsync($"pipewatch: --artifacts {host.Display(missing)}: no such file or folder");
            return ExitCodes.Usage;
        }

        // Images named registry://HOST/NAME:TAG are pulled into temporary layouts first (removed after the run).
        using var pulled = new RegistryImages();
        if (await pulled.ResolveAsync(host, [.. imageInputs.Images, .. imageInputs.BaseImage is { } b ? [b] : Array.Empty<string>()], ct) is not { } imagePaths) return ExitCodes.Usage;
        var basePath = imageInputs.BaseImage is null ? null : imagePaths[^1];
        if (basePath is not null) imagePaths.RemoveAt(imagePaths.Count - 1);
        if (imagePaths.Concat(basePath is null ? [] : [basePath]).FirstOrDefault(p => !Path.Exists(p)) is { } missingImage)
        {
            await host.Error.WriteLineAsync($"pipewatch: --image {host.Display(missingImage)}: no such file or folder");
            return ExitCodes.Usage;
        }

        if (files.Count == 0 && artifactPaths.Count == 0 && imagePaths.Count == 0)
        {
            await host.Error.WriteLineAsync("pipewatch: nothing to ingest");
            return ExitCodes.Usage;
        }

        await host.DetailAsync(CommonOptions.DescribeConfig(host, configPath));
        await host.DetailAsync($"store: {host.Display(CommonOptions.ResolveStore(host, storePath))}");
        var store = await CommonOptions.OpenStoreAsync(host, CommonOptions.ResolveStore(host, storePath), "ingest");
        if (store is null) return ExitCodes.Usage;

        using (store)
        {
            // Lockfiles and manifests are matched against the advisory database ('vulndb update'), else the advisories 'vulndb import --store' put in this store.
            using var database = await AdvisoryDatabase.OpenExistingAsync(host, flags.VulnDb);
            if (database is null && flags.VulnDb is not null) return ExitCodes.Usage;
            var advisoryStore = (IAdvisoryStore?)database ?? store;
            using var advisories = advisoryStore?.OpenAdvisoryIndex();
            // Logs, telemetry and artifacts are matched against the indicators 'intel import' put in this store, and the built-in exfiltration-service list.
            var intel = store is IIntelStore intelStore ? ExfilServices.With(intelStore.ReadIndicators(), host.Time.GetUtcNow()) : null;
            var detectors = BuiltInDetectors.Create(config, problems, advisories, intel, store);
            var all = new CollectingSink();
            var raised = new RaisedFindingsFilter();
            using var routing = await AlertRouting.OpenAsync(config, host, problems, store);
            if (routing is null) return ExitCodes.Usage;
            var builder = routing.AddTo(new PipelineBuilder(store).WithConfig(config).WithDetectors(detectors).WithSecretRules(secretRules).WithInventory().WithTime(host.Time).WithProblems(problems).AddSink(all).AddFilter(raised));
            // The output, counted: findings it could not write (stdout closed, disk full) are said in the summary with the command that lists them.
            var shown = FindingOutput.Create(format, outputFile, host, detectors.Select(d => d.Info)) is { } sink ? new ShownFindings(sink) : null;
            if (shown is not null) builder.AddSink(shown);
            foreach (var report in FindingOutput.Reports(reports, host, detectors.Select(d => d.Info))) builder.AddSink(report);
            var engine = builder.Build();
            var sources = sourceId is not null && JobLogFormats.Find(sourceId) is { } logFormat
                ? InputFiles.Sources(files, logFormat)
                : InputFiles.Sources(files, sourceId is null ? null : PayloadFormats.Find(sourceId), advisoryStore?.AdvisoryState());
            // Artifacts: SHA-1 and MD5 only when a feed lists such hashes (SHA-256 alone keeps hashing near sha256sum's speed).
            var hashes = ArtifactHashes.Sha256 | (intel?.HasSha1 == true ? ArtifactHashes.Sha1 : 0) | (intel?.HasMd5 == true ? ArtifactHashes.Md5 : 0);
            // In a CI job, artifacts carry its run (GitHub Actions, GitLab CI, Jenkins variables), so each pipeline learns its own hashes.
            var run = CiVariables.From(host.Environment) is { Platform: { } platform } ci
                ? new CiContext(ci.Repository ?? "", ci.Pipeline ?? "", ci.RunId ?? "", Job: ci.Job, Branch: ci.Branch, Commit: ci.Commit, Platform: platform)
                : null;
            sources = [.. sources, .. artifactPaths.Select(p => new ArtifactSource(p, hashes, ci: run)), .. imagePaths.Select(p => new ImageSource(p, advisoryStore?.AdvisoryState(), basePath, pulled.NameOf(p)))];
            IngestSummary summary;
            try
            {
                summary = await RunWithProgressAsync(host, engine, sources, files, problems, ct);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // The store could not be written (disk full, file locked): every batch committed before is intact.
                await host.Error.WriteLineAsync($"pipewatch: {CommonOptions.ResolveStore(host, storePath)}: cannot write the store ({ex.Message.TrimEnd('.')}); batches committed before are kept");
                return ExitCodes.Usage;
            }

            if (format == "table" && outputFile is null) FindingsView.Render(all.Findings, host, flags.Details);
            var open = raised.KnownBefore(all.Findings);
            await host.SayAsync(Describe(summary, files.Count + imagePaths.Count, open, problems.Count));
            if (shown?.NotShown(all.Findings, store.Path, format) is { } notShown) await host.Error.WriteLineAsync(TerminalText.Escape(notShown));
            if (summary.Events == 0 && problems.Count > 0) return ExitCodes.Usage;
            if (flags.Strict && problems.Count > 0)
            {
                await host.Error.WriteLineAsync($"pipewatch: --strict: {problems.Count} problem{(problems.Count == 1 ? "" : "s")} above; the input was not read completely");
                return ExitCodes.Usage;
            }

            var threshold = CommonOptions.ParseSeverity(failOn);
            var gated = flags.FailOnOpen ? all.Findings.Concat(open) : all.Findings;
            return threshold is { } minimum && gated.Any(f => f.Severity >= minimum) ? ExitCodes.Findings : ExitCodes.Ok;
        }
    }

    private static async Task<IngestSummary> RunWithProgressAsync(
        CliHost host, IngestEngine engine, IReadOnlyList<ISource> sources, IReadOnlyList<string> files, ConsoleProblemReporter problems, CancellationToken ct)
    {
        var totalBytes = InputFiles.TotalLength(files);
        if (!host.Interactive || totalBytes < ProgressThresholdBytes)
        {
            return await engine.RunAsync(sources, null, ct);
        }

        return await ProgressDisplay.RunAsync<IngestProgress, IngestSummary>(
            host,
            problems,
            "ingesting",
            totalBytes,
            progress => engine.RunAsync(sources, progress, ct),
            p => (p.BytesRead, $"{p.Events:N0} events, {p.NewFindings:N0} findings"));
    }

    // problems: every problem said above, the input's and the detectors' (a rule's regex that timed out may hide a match).
    private static string Describe(IngestSummary s, int files, IReadOnlyList<Finding> open, int problems)
    {
        // Findings the input still raises that an earlier run reported: not new, but not gone either.
        var stillOpen = open.Count == 0
            ? string.Empty
            : $", {open.Count:N0} still open from earlier runs ({string.Join(", ", open.GroupBy(f => f.Severity).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"))}; --fail-on-open gates on them)";
        var text = $"ingested {files} file{(files == 1 ? "" : "s")}: {s.Events:N0} events ({s.Duplicates:N0} seen before), " +
            $"{s.NewFindings:N0} new finding{(s.NewFindings == 1 ? "" : "s")}{stillOpen}, {problems:N0} problem{(problems == 1 ? "" : "s")}";
        return s.Cancelled ? text + " (interrupted; everything counted here is saved)" : text;
    }
}

/// <summary>The images <c>ingest --image</c> reads, and the base image they were built from.</summary>
internal sealed record ImageInputs(IReadOnlyList<string> Images, string? BaseImage);

/// <summary>The yes/no options of <c>ingest</c>.</summary>
internal sealed record IngestFlags(bool FailOnOpen, bool Details, bool Strict, string? VulnDb, bool Verify = false);
