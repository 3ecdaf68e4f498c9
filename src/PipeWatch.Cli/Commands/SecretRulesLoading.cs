using PipeWatch.Rules.Patterns;

namespace PipeWatch.Cli.Commands;

/// <summary>The user's secret rules for a command: <c>scan --rules</c>, else the config's <c>secrets.rules</c>, else the built-in ones.</summary>
internal static class SecretRulesLoading
{
    /// <summary>Starts building the built-in rules (<see cref="SecretRuleBook.BuiltIn"/>) on the thread pool and returns at once.</summary>
    /// <remarks>
    /// Parsing the embedded rule files and their regexes is the largest fixed cost of a scan (tens of milliseconds); started
    /// first, it runs while the command reads its config and waits for git. Whoever reads <see cref="SecretRuleBook.BuiltIn"/>
    /// then waits for this build rather than starting another (a static initializer runs once), and a failure surfaces there.
    /// </remarks>
    public static void StartBuiltIn() => _ = Task.Run(() => SecretRuleBook.BuiltIn);

    /// <summary>The rules of <paramref name="path"/> (the built-in rules when null); null, with every problem written to stderr, when the file is missing or invalid.</summary>
    public static async Task<SecretRuleBook?> LoadAsync(CliHost host, string? path)
    {
        if (path is null) return SecretRuleBook.BuiltIn;
        var book = SecretRuleFiles.Load(host.Resolve(path), out var problems);
        foreach (var problem in problems) await host.Error.WriteLineAsync($"pipewatch: {problem}");
        return book;
    }
}
