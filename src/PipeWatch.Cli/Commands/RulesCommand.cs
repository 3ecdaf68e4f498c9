using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Detectors.Rules;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Rules.Sigma;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch rules validate|test</c>: checks Sigma rule files, and shows which events a rule matches and why.</summary>
internal static class RulesCommand
{
    public static Command Create(CliHost host) => new("rules", "Check Sigma rules before running them: 'validate' reports every construct that cannot be loaded, 'test' shows which events a rule matches and why. Exit codes: see each subcommand's --help.")
    {
        Validate(host),
        Test(host),
    };

    private static Command Validate(CliHost host)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Rule files or folders (read recursively: *.yml, *.yaml).", Arity = ArgumentArity.OneOrMore };
        var config = CommonOptions.Config();
        var command = new Command(
            "validate",
            "Load Sigma rules and correlation rules as ingest would and report every unsupported or malformed construct as FILE:LINE: reason, one per line on stdout, " +
            "then a count on stderr. Placeholders for 'expand' come from the config's sigma.placeholders; correlations may refer to built-in rules. " +
            "Exit code: 0 every rule loads, 1 some rule was rejected (the rest load), 2 bad usage or a path that does not exist.")
        {
            paths, config,
        };
        command.SetAction((parse, _) => ValidateAsync(host, parse.GetRequiredValue(paths), parse.GetValue(config)));
        return command;
    }

    private static Command Test(CliHost host)
    {
        var rule = new Argument<string>("RULE") { Description = "A Sigma rule file (it may hold a correlation rule and the rules it refers to, as YAML documents)." };
        var events = new Argument<string[]>("EVENTS") { Description = "Files or folders of events in any format ingest reads (e.g. GitHub audit-log JSON Lines, ECS runner telemetry).", Arity = ArgumentArity.OneOrMore };
        var config = CommonOptions.Config();
        var command = new Command(
            "test",
            "Run one rule file over events and show, per event, whether the rule matched and why: each search identifier, each field test, and the event's value of that field " +
            "(redacted for rules whose category is secrets.exposed-in-log or secrets.hardcoded). Correlation rules in the file are run over the matches in order. " +
            "Exit code: 0 some event matched, 1 none did, 2 the rule cannot be loaded or the events cannot be read.")
        {
            rule, events, config,
        };
        command.SetAction((parse, ct) => TestAsync(host, parse.GetRequiredValue(rule), parse.GetRequiredValue(events), parse.GetValue(config), ct));
        return command;
    }

    private static async Task<int> ValidateAsync(CliHost host, string[] paths, string? configPath)
    {
        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        var options = new SigmaLoadOptions { Placeholders = config.Sigma.Placeholders };
        var results = new List<SigmaLoadResult>();
        foreach (var path in paths.Select(host.Resolve))
        {
            if (Directory.Exists(path)) results.AddRange(SigmaRuleLoader.LoadDirectory(path, options));
            else if (File.Exists(path)) results.AddRange(SigmaRuleLoader.LoadAll(path, options));
            else
            {
                await host.Error.WriteLineAsync($"pipewatch: {host.Display(path)}: no such file or folder");
                return ExitCodes.Usage;
            }
        }

        var problems = new List<Problem>();
        // Built-in rules come last, only so correlations may refer to them: a built-in rule the user also validates is theirs.
        var set = SigmaRuleSet.Create([.. results, .. SigmaRuleSources.BuiltIn(options)], SigmaFieldMapping.Default, problems);
        problems.RemoveAll(p => p.File.StartsWith(SigmaRuleSources.BuiltInRoot + "/", StringComparison.Ordinal));
        foreach (var problem in problems) await host.Out.WriteLineAsync((problem with { File = host.Display(problem.File) }).ToString());
        var rejected = problems.Select(p => (p.File, Document(results, p))).Distinct().Count();
        var rules = set.Rules.Count(r => !r.File.StartsWith(SigmaRuleSources.BuiltInRoot + "/", StringComparison.Ordinal));
        var correlations = set.Correlations.Count(c => !c.File.StartsWith(SigmaRuleSources.BuiltInRoot + "/", StringComparison.Ordinal));
        await host.Error.WriteLineAsync($"{rules} rule{(rules == 1 ? "" : "s")} and {correlations} correlation rule{(correlations == 1 ? "" : "s")} load; {rejected} rejected ({problems.Count} problem{(problems.Count == 1 ? "" : "s")})");
        return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Findings;
    }

    // Problems of one document count once: the document is the file and the result holding the problem.
    private static int Document(List<SigmaLoadResult> results, Problem problem) => results.FindIndex(r => r.Problems.Contains(problem));

    private static async Task<int> TestAsync(CliHost host, string rulePath, string[] eventPaths, string? configPath, CancellationToken ct)
    {
        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        var file = host.Resolve(rulePath);
        if (!File.Exists(file))
        {
            await host.Error.WriteLineAsync($"pipewatch: {host.Display(file)}: no such rule file");
            return ExitCodes.Usage;
        }

        var options = new SigmaLoadOptions { Placeholders = config.Sigma.Placeholders };
        var problems = new List<Problem>();
        var set = SigmaRuleSet.Create(SigmaRuleLoader.LoadAll(file, options), SigmaFieldMapping.Default, problems);
        foreach (var problem in problems) await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {problem with { File = host.Display(problem.File) }}"));
        if (problems.Count > 0 || set.Rules.Count == 0)
        {
            if (problems.Count == 0) await host.Error.WriteLineAsync($"pipewatch: {host.Display(file)}: holds no detection rule");
            return ExitCodes.Usage;
        }

        var reporter = new ConsoleProblemReporter(host.Error, host.Display);
        var inputs = InputFiles.Expand(eventPaths.Select(p => p == "-" ? InputFiles.StandardInput : host.Resolve(p)), reporter);
        var correlator = new SigmaCorrelator(set.Correlations);
        var matchedAny = false;
        var count = 0;
        foreach (var source in InputFiles.Sources(inputs))
        {
            await foreach (var e in source.ReadAsync(new SourceContext(reporter), ct))
            {
                count++;
                var fields = new SigmaEventFields(e, set.Mapping);
                foreach (var rule in set.Rules)
                {
                    var fits = set.Fits(rule, e);
                    var matched = fits && rule.Matches(fields);
                    matchedAny |= matched;
                    await host.Out.WriteLineAsync(TerminalText.Escape($"{host.Display(e.Origin.File)}{(e.Origin.Line is { } line ? $":{line}" : string.Empty)}  {(matched ? "MATCH" : "no match")}  {rule.Title}  ({e.Dataset} {e.Action ?? e.Fields.GetValueOrDefault("event.category")})"));
                    if (!fits)
                    {
                        await host.Out.WriteLineAsync($"    logsource {Describe(rule.LogSource)} does not fit a {e.Kind} event of {e.Dataset}");
                        continue;
                    }

                    await WriteExplanationAsync(host, rule, fields);
                    if (!matched) continue;
                    var hits = new List<SigmaCorrelationHit>();
                    correlator.Observe(rule.Id, rule.Name, e, fields, hits);
                    foreach (var hit in hits)
                    {
                        await host.Out.WriteLineAsync(TerminalText.Escape($"    CORRELATION {hit.Rule.Title}: {hit.Value:0.##} for {string.Join(", ", hit.Group.Select(g => $"{g.Field}={g.Value}"))} ({hit.Rule.ConditionText} within {hit.Rule.Timespan})"));
                    }
                }
            }
        }

        await host.Error.WriteLineAsync($"{count} event{(count == 1 ? "" : "s")} read");
        if (count == 0) return ExitCodes.Usage;
        return matchedAny ? ExitCodes.Ok : ExitCodes.Findings;
    }

    private static async Task WriteExplanationAsync(CliHost host, SigmaRule rule, SigmaEventFields fields)
    {
        var category = rule.CustomAttributes.GetValueOrDefault(SigmaRuleSet.CategoryAttribute) ?? SigmaFieldMapping.Default.CategoryForTags(rule.Tags) ?? string.Empty;
        var secret = SigmaRuleDetector.RevealsSecret(category);
        foreach (var search in rule.Explain(fields))
        {
            await host.Out.WriteLineAsync($"    {search.Name}: {(search.Matched ? "matched" : "not matched")}");
            foreach (var item in search.Items)
            {
                var field = item.Test.Split(':', 2)[0].Split('|')[0];
                var value = item.Value is null ? "absent" : secret ? Evidence.Secret(field, item.Value).Value : $"\"{Clip(SecretRedactor.BuiltIn.Redact(item.Value))}\"";
                await host.Out.WriteLineAsync(TerminalText.Escape($"      {(item.Matched ? "✓" : "✗")} {item.Test}   ({field} = {value})"));
            }
        }

        await host.Out.WriteLineAsync($"    condition: {rule.Condition}");
    }

    private static string Describe(SigmaLogSource source) =>
        string.Join(" ", new[] { ("product", source.Product), ("service", source.Service), ("category", source.Category) }.Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={p.Item2}"));

    private static string Clip(string value) => value.Length <= 120 ? value : value[..120] + "…";

}
