namespace PipeWatch.Rules.Patterns;

/// <summary>Loads a user's secret rule file: a gitleaks config (<c>.toml</c>) or a PipeWatch rule file (<c>.yml</c>, as <c>rules/secrets/builtin.yml</c>).</summary>
public static class SecretRuleFiles
{
    /// <summary>The rules of <paramref name="file"/>, or null with every problem (each naming the file) when it is missing or invalid.</summary>
    public static SecretRuleBook? Load(string file, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(file);
        problems = [];
        if (!File.Exists(file))
        {
            problems = [$"{file}: no such rule file"];
            return null;
        }

        if (file.EndsWith(".toml", StringComparison.OrdinalIgnoreCase))
        {
            var loaded = GitleaksConfigLoader.LoadFile(file);
            problems = [.. loaded.Problems.Select(p => p.ToString())];
            return loaded.Problems.Count > 0 ? null : loaded.Rules;
        }

        using var reader = new StreamReader(file);
        var set = SecretRuleLoader.Load(file, reader);
        problems = [.. set.Problems.Select(p => p.ToString())];
        return set.Problems.Count > 0 ? null : new SecretRuleBook(set.Rules);
    }
}
