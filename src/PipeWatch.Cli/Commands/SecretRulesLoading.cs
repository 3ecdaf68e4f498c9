using PipeWatch.Rules.Patterns;

namespace PipeWatch.Cli.Commands;

/// <summary>The user's secret rules for a command: <c>scan --rules</c>, else the config's <c>secrets.rules</c>, else the built-in ones.</summary>
internal static class SecretRulesLoading
{
    /// <summary>The rules of <paramref name="path"/> (the built-in rules when null); null, with every problem written to stderr, when the file is missing or invalid.</summary>
    public static async Task<SecretRuleBook?> LoadAsync(CliHost host, string? path)
    {
        if (path is null) return SecretRuleBook.BuiltIn;
        var book = SecretRuleFiles.Load(host.Resolve(path), out var problems);
        foreach (var problem in problems) await host.Error.WriteLineAsync($"pipewatch: {problem}");
        return book;
    }
}
