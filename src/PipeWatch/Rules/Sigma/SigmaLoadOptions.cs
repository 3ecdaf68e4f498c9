namespace PipeWatch.Rules.Sigma;

/// <summary>What rule loading takes from the configuration: the values of <c>expand</c> placeholders.</summary>
public sealed record SigmaLoadOptions
{
    public static SigmaLoadOptions Default { get; } = new();

    /// <summary>Placeholder name (without the <c>%</c> signs) → the values it expands to (<c>sigma.placeholders</c> in pipewatch.yml).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } = new Dictionary<string, IReadOnlyList<string>>(0);
}
