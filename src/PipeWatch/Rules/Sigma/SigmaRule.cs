using PipeWatch.Diagnostics;

namespace PipeWatch.Rules.Sigma;

/// <summary>A loaded, validated and compiled Sigma detection rule; immutable and safe to share between threads.</summary>
public sealed class SigmaRule
{
    private readonly ISigmaMatcher _detection;

    internal SigmaRule(string file, string title, ISigmaMatcher detection)
    {
        File = file;
        Title = title;
        _detection = detection;
    }

    /// <summary>The file the rule was read from.</summary>
    public string File { get; }

    public string Title { get; }

    /// <summary>The rule's UUID as written, or null when it has none.</summary>
    public string? Id { get; init; }

    public SigmaStatus? Status { get; init; }

    public SigmaLevel? Level { get; init; }

    public string? Description { get; init; }

    /// <summary>The tags as written, e.g. <c>attack.t1562.001</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public SigmaLogSource LogSource { get; init; } = new();

    /// <summary>The search identifiers of the detection section, in file order.</summary>
    public IReadOnlyList<string> SearchIdentifiers { get; init; } = [];

    /// <summary>The condition as written.</summary>
    public string Condition { get; init; } = string.Empty;

    /// <summary>Top-level attributes the specification does not define (e.g. <c>pipewatch.category</c>), scalars as text, lists joined with commas.</summary>
    public IReadOnlyDictionary<string, string> CustomAttributes { get; init; } = new Dictionary<string, string>(0);

    /// <summary>True when the event satisfies the rule's condition.</summary>
    public bool Matches(ISigmaFieldSource source) => _detection.Matches(source);

    /// <inheritdoc />
    public override string ToString() => $"{Title} ({Id ?? File})";
}

/// <summary>The <c>logsource</c> section: which events the rule is written for.</summary>
public sealed record SigmaLogSource(string? Product = null, string? Service = null, string? Category = null, string? Definition = null);

/// <summary>The rule <c>status</c> values of the specification.</summary>
public enum SigmaStatus
{
    Stable,
    Test,
    Experimental,
    Deprecated,
    Unsupported,
}

/// <summary>The rule <c>level</c> values of the specification.</summary>
public enum SigmaLevel
{
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>What loading one rule file gave: the rule, or the problems that kept it out (never both empty).</summary>
public sealed record SigmaLoadResult(SigmaRule? Rule, IReadOnlyList<Problem> Problems);
