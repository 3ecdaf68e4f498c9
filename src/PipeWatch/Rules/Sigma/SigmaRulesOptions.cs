namespace PipeWatch.Rules.Sigma;

/// <summary>The <c>sigma</c> section of pipewatch.yml, plus <c>--rules</c>: which rules run and how they read events.</summary>
public sealed record SigmaRulesOptions
{
    /// <summary>Run the built-in rule pack (<c>rules/sigma/</c>, embedded at build).</summary>
    public bool BuiltIn { get; init; } = true;

    /// <summary>Folders of further rules (files ending <c>.yml</c>/<c>.yaml</c>, read recursively), as absolute paths.</summary>
    public IReadOnlyList<string> Folders { get; init; } = [];

    /// <summary>A field-mapping file whose rows extend and override the built-in mapping, as an absolute path.</summary>
    public string? FieldMapping { get; init; }

    /// <summary>The values of <c>expand</c> placeholders.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } = new Dictionary<string, IReadOnlyList<string>>(0);

    /// <summary>Groups kept per correlation rule (see <see cref="SigmaCorrelatorOptions"/>).</summary>
    public int MaxGroups { get; init; } = 10_000;
}
