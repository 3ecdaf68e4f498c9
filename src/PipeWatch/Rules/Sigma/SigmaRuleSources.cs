using PipeWatch.Diagnostics;

namespace PipeWatch.Rules.Sigma;

/// <summary>Where rules come from: the built-in pack embedded at build, and the folders the user names.</summary>
public static class SigmaRuleSources
{
    private const string Prefix = "PipeWatch.rules.sigma/";

    /// <summary>The path built-in rules are reported under.</summary>
    public const string BuiltInRoot = "rules/sigma";

    /// <summary>Every document of the built-in pack, named <c>rules/sigma/&lt;source&gt;/&lt;file&gt;.yml</c>.</summary>
    public static IReadOnlyList<SigmaLoadResult> BuiltIn(SigmaLoadOptions? options = null)
    {
        var assembly = typeof(SigmaRuleSources).Assembly;
        var results = new List<SigmaLoadResult>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            results.AddRange(SigmaRuleLoader.ParseAll(reader.ReadToEnd(), $"{BuiltInRoot}/{name[Prefix.Length..].Replace('\\', '/')}", options));
        }

        return results;
    }

    /// <summary>The rule set <paramref name="options"/> asks for; every problem (a bad rule, a bad mapping file, a missing folder) is added to <paramref name="problems"/> and the rest loads.</summary>
    public static SigmaRuleSet Load(SigmaRulesOptions options, List<Problem> problems)
    {
        var mapping = SigmaFieldMapping.Default;
        if (options.FieldMapping is { } mappingFile)
        {
            try
            {
                mapping = mapping.Extend(File.ReadAllText(mappingFile), mappingFile, out var mappingProblems);
                problems.AddRange(mappingProblems);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new Problem(mappingFile, $"cannot read the field mapping ({e.Message})"));
            }
        }

        var load = new SigmaLoadOptions { Placeholders = options.Placeholders };
        var results = new List<SigmaLoadResult>();
        if (options.BuiltIn) results.AddRange(BuiltIn(load));
        foreach (var folder in options.Folders)
        {
            if (File.Exists(folder)) results.AddRange(SigmaRuleLoader.LoadAll(folder, load));
            else if (Directory.Exists(folder)) results.AddRange(SigmaRuleLoader.LoadDirectory(folder, load));
            else problems.Add(new Problem(folder, "no such rules folder or file"));
        }

        return SigmaRuleSet.Create(results, mapping, problems);
    }
}
