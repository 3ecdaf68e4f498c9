using System.CommandLine;
using PipeWatch.Sources.Runner.Agent;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch agent -- COMMAND…</c>: runs a CI step or job script under watch and exits with its exit code.</summary>
internal static class AgentCommand
{
    public const string TokenVariable = "PIPEWATCH_INGEST_TOKEN";

    public static Command Create(CliHost host)
    {
        var command = new Argument<string[]>("COMMAND")
        {
            Description = "The command to run and its arguments, after '--'.",
            Arity = ArgumentArity.OneOrMore,
        };
        var events = new Option<string?>("--events") { Description = "Append the records as JSON Lines to FILE ('pipewatch ingest FILE' reads it).", HelpName = "FILE" };
        var post = new Option<string?>("--post")
        {
            Description = $"Post the records to a running 'pipewatch serve' at URL (its /ingest), with the bearer token in the environment variable named by --token-env.",
            HelpName = "URL",
        };
        var tokenEnv = new Option<string>("--token-env") { Description = "The environment variable that holds the token for --post.", DefaultValueFactory = _ => TokenVariable, HelpName = "NAME" };
        var step = new Option<string?>("--step") { Description = "The step name the records carry (ci.step); the resource baseline is kept per step.", HelpName = "NAME" };
        var mode = new Option<AgentMode>("--mode", "--collector")
        {
            Description = "auto: ebpf when bpftrace can load here, else strace when it can trace, else /proc polling; ebpf (lowest overhead; arguments cut at 200 bytes, argv at 32) or strace (stops the job on each traced call): fail without it; proc: /proc polling only.",
            DefaultValueFactory = _ => AgentMode.Auto,
        };
        var repository = new Option<string?>("--repository") { Description = "ci.repository, when no CI variables (GITHUB_*, CI_*, Jenkins') say it.", HelpName = "NAME" };
        var pipeline = new Option<string?>("--pipeline") { Description = "ci.pipeline (the workflow), when no CI variables say it.", HelpName = "NAME" };
        var runId = new Option<string?>("--run-id") { Description = "ci.run_id, when no CI variables say it.", HelpName = "ID" };
        var job = new Option<string?>("--job") { Description = "ci.job, when no CI variables say it.", HelpName = "NAME" };
        var interval = new Option<double>("--interval") { Description = "Seconds between /proc samples of CPU, memory and I/O.", DefaultValueFactory = _ => 1.0, HelpName = "SECONDS" };
        var scrape = new Option<string?>("--scrape")
        {
            Description = "Also scrape the runner's metrics exporter (a node_exporter /metrics URL, or a file holding one exposition) every --interval: the host's CPU, memory, network and disk over the run become a second resource summary with its own baseline.",
            HelpName = "URL|FILE",
        };

        var agent = new Command(
            "agent",
            "Run COMMAND (a CI step or a job script) under watch and exit with its exit code. Every program it runs (path, arguments, parent, " +
            "working directory, start and end), every outbound connection (address, port, the process, the name it resolved) and DNS question, " +
            "and its CPU, peak memory and I/O are recorded as ECS JSON Lines, traced with eBPF (bpftrace) or strace (-f --seccomp-bpf) or, without either, polled from /proc " +
            "(which misses short-lived processes; the summary says so). The records go to --events FILE and/or --post URL.")
        {
            command, events, post, tokenEnv, step, mode, repository, pipeline, runId, job, interval, scrape,
        };
        AgentOptions Options(ParseResult parse) => new()
        {
            Step = parse.GetValue(step),
            Mode = parse.GetValue(mode),
            Ci = CiVariables.From(host.Environment).With(parse.GetValue(repository), parse.GetValue(pipeline), parse.GetValue(runId), parse.GetValue(job)),
            SampleInterval = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(interval), 0.05, 60)),
            WorkingDirectory = host.WorkingDirectory,
            Scrape = parse.GetValue(scrape) is { Length: > 0 } target && !target.Contains("://", StringComparison.Ordinal) ? host.Resolve(target) : parse.GetValue(scrape),
        };
        (string?, string?, string) Outputs(ParseResult parse) => (parse.GetValue(events), parse.GetValue(post), parse.GetRequiredValue(tokenEnv));
        foreach (var sub in AgentJobCommands.Create(host, Options, Outputs, [events, post, tokenEnv, step, mode, repository, pipeline, runId, job, interval, scrape]))
        {
            agent.Add(sub);
        }

        agent.SetAction((parse, ct) => RunAsync(
            host,
            Options(parse) with { Command = parse.GetRequiredValue(command) },
            parse.GetValue(events),
            parse.GetValue(post),
            parse.GetRequiredValue(tokenEnv),
            ct));
        return agent;
    }

    private static async Task<int> RunAsync(CliHost host, AgentOptions options, string? events, string? post, string tokenEnv, CancellationToken ct)
    {
        if (events is null && post is null)
        {
            await host.Error.WriteLineAsync("pipewatch: agent: give --events FILE, --post URL or both");
            return ExitCodes.Usage;
        }

        var outputs = new List<IAgentOutput>();
        try
        {
            if (post is not null)
            {
                if (!Uri.TryCreate(post, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    await host.Error.WriteLineAsync($"pipewatch: agent: --post '{post}' is not an http(s) URL");
                    return ExitCodes.Usage;
                }

                if (host.Environment(tokenEnv) is not { Length: > 0 } token)
                {
                    await host.Error.WriteLineAsync($"pipewatch: agent: --post needs the token in the environment variable {tokenEnv}, which is not set");
                    return ExitCodes.Usage;
                }

                outputs.Add(new IngestPoster(url, token));
            }

            if (events is not null)
            {
                try
                {
                    outputs.Add(new AgentFileOutput(host.Resolve(events)));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await host.Error.WriteLineAsync($"pipewatch: agent: {host.Display(host.Resolve(events))}: cannot write: {ex.Message}");
                    return ExitCodes.Usage;
                }
            }

            AgentResult result;
            try
            {
                result = await AgentSession.RunAsync(options, outputs, host.Time, ct);
            }
            catch (AgentException ex)
            {
                await host.Error.WriteLineAsync($"pipewatch: agent: {ex.Message}");
                return ExitCodes.Usage;
            }

            foreach (var problem in result.OutputProblems) await host.Error.WriteLineAsync($"pipewatch: agent: {problem}");
            await host.Error.WriteLineAsync(
                $"pipewatch agent: watched with {result.Mode}, {result.Records} records; the command exited with {result.ExitCode}" +
                (result.Missed is null ? string.Empty : $"; missed: {result.Missed}"));
            return result.ExitCode;
        }
        finally
        {
            foreach (var output in outputs) await output.DisposeAsync();
        }
    }
}
