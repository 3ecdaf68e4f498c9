using System.CommandLine;
using System.Text.RegularExpressions;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch secrets</c>: learns the team's own secret values as fingerprints, so logs and telemetry are searched for them in any encoding.</summary>
internal static class SecretsCommand
{
    public static Command Create(CliHost host)
    {
        var store = CommonOptions.Store();
        var env = new Option<string>("--env")
        {
            Description = "The secret variables to learn, comma-separated; * matches any characters (e.g. 'AWS_*,GH_TOKEN,NPM_TOKEN'). "
                + "Their values are read from this process's environment, never from the command line.",
            HelpName = "NAMES",
            Required = true,
        };
        var learn = new Command(
            "learn",
            "Learn the values of secret variables, run inside a CI job that has them (e.g. a step with env: GH_TOKEN: ${{ secrets.GH_TOKEN }}). "
            + "Only keyed fingerprints (HMAC-SHA256 under the store's own random key) of each value and of its encodings are stored: base64 at "
            + "each alignment, base64url, hex, URL-encoded, reversed, JSON-escaped, and its two halves when each is too long to guess. Never the value. "
            + "Later 'ingest' and 'serve' search every job log and telemetry event for them, through double base64, hex, URL and gzip "
            + "encodings, split over two lines or partly masked, and report secrets.known-secret-exposed naming the variable and the encoding chain. "
            + "Learning a variable again replaces its fingerprints: after a rotation the old value is no longer searched for. "
            + "Values shorter than 8 characters or spanning lines are refused. Exit 2 when nothing was learned.")
        {
            store, env,
        };
        learn.SetAction((parse, _) => LearnAsync(host, parse.GetValue(store), parse.GetRequiredValue(env)));

        var listStore = CommonOptions.Store();
        var list = new Command("list", "List the learned secret variables: how many forms of each are fingerprinted and when it was learned. No value is shown, none is kept.") { listStore };
        list.SetAction((parse, _) => ListAsync(host, parse.GetValue(listStore)));

        var forgetStore = CommonOptions.Store();
        var name = new Argument<string>("NAME") { Description = "The variable, as 'secrets list' shows it." };
        var forget = new Command("forget", "Stop searching for a learned secret: its fingerprints are removed from the store.") { forgetStore, name };
        forget.SetAction((parse, _) => ForgetAsync(host, parse.GetValue(forgetStore), parse.GetRequiredValue(name)));

        return new Command("secrets", "Manage known secrets: the values of your own secret variables, kept only as fingerprints, that job logs and telemetry are searched for however they are encoded.")
        {
            learn, list, forget,
        };
    }

    private static async Task<int> LearnAsync(CliHost host, string? storePath, string patterns)
    {
        var wanted = patterns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0)
        {
            await host.Error.WriteLineAsync("pipewatch: --env: name at least one variable (e.g. --env 'AWS_*,GH_TOKEN')");
            return ExitCodes.Usage;
        }

        var names = host.EnvironmentNames().ToList();
        var chosen = new List<string>();
        var unmatched = new List<string>();
        foreach (var pattern in wanted)
        {
            var glob = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            var matched = names.Where(n => glob.IsMatch(n)).Order(StringComparer.Ordinal).ToList();
            if (!pattern.Contains('*') && matched.Count == 0 && host.Environment(pattern) is not null) matched.Add(pattern);
            if (matched.Count == 0) unmatched.Add(pattern);
            chosen.AddRange(matched.Where(n => !chosen.Contains(n)));
        }

        foreach (var pattern in unmatched) await host.Error.WriteLineAsync($"pipewatch: --env: no variable named {pattern} is set");
        using var opened = await CommonOptions.OpenStorePartAsync<IKnownSecretStore>(host, CommonOptions.ResolveStore(host, storePath), "secrets learn");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            var learned = 0;
            foreach (var name in chosen)
            {
                var value = host.Environment(name) ?? string.Empty;
                if (KnownSecretLearning.Refusal(value) is { } refusal)
                {
                    await host.Error.WriteLineAsync($"pipewatch: {name}: not learned: {refusal}");
                    continue;
                }

                var result = KnownSecretLearning.Learn(store, name, value, host.Time.GetUtcNow());
                learned++;
                var what = result.Change switch
                {
                    KnownSecretChange.Rotated => "rotated: the old value's fingerprints are replaced",
                    KnownSecretChange.Unchanged => "unchanged",
                    _ => "learned",
                };
                await host.SayAsync($"{name}: {what} ({result.Forms} forms fingerprinted)");
                if (result.Guessable)
                {
                    await host.Error.WriteLineAsync($"pipewatch: {name}: the value is short or simple enough to be guessed from its fingerprint by whoever can read the store; keep the store private");
                }
            }

            await host.SayAsync($"{learned} secret{(learned == 1 ? "" : "s")} learned into {opened.Display}");
            return learned == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
    }

    private static async Task<int> ListAsync(CliHost host, string? storePath)
    {
        using var opened = await CommonOptions.OpenStorePartAsync<IKnownSecretStore>(host, CommonOptions.ResolveStore(host, storePath), "secrets list");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            var secrets = store.ReadKnownSecrets().GroupBy(f => f.Name, StringComparer.Ordinal).ToList();
            foreach (var secret in secrets)
            {
                await host.Out.WriteLineAsync($"{secret.Key}\t{secret.Count()} forms\tlearned {secret.Max(f => f.LearnedAt):yyyy-MM-dd HH:mm}Z");
            }

            await host.SayAsync($"{secrets.Count} known secret{(secrets.Count == 1 ? "" : "s")}");
            return ExitCodes.Ok;
        }
    }

    private static async Task<int> ForgetAsync(CliHost host, string? storePath, string name)
    {
        using var opened = await CommonOptions.OpenStorePartAsync<IKnownSecretStore>(host, CommonOptions.ResolveStore(host, storePath), "secrets forget");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            if (!store.RemoveKnownSecret(name))
            {
                await host.Error.WriteLineAsync($"pipewatch: no known secret {name} in the store ('pipewatch secrets list' shows them)");
                return ExitCodes.Usage;
            }

            await host.SayAsync($"forgot {name}: it is no longer searched for");
            return ExitCodes.Ok;
        }
    }
}
