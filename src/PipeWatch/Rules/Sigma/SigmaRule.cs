using PipeWatch.Diagnostics;

namespace PipeWatch.Rules.Sigma;

/// <summary>A loaded, validated and compiled Sigma detection rule; immutable and safe to share between threads.</summary>
public sealed class SigmaRule
{
    private readonly ISigmaMatcher _detection;
    private readonly IReadOnlyList<SigmaSearch> _searches;

    internal SigmaRule(string file, string title, ISigmaMatcher detection, IReadOnlyList<SigmaSearch> searches)
    {
        File = file;
        Title = title;
        _detection = detection;
        _searches = searches;
    }

    /// <summary>The line of the rule's document in <see cref="File"/>.</summary>
    public int Line { get; init; } = 1;

    /// <summary>The rule's <c>name</c>, by which correlation rules may refer to it.</summary>
    public string? Name { get; init; }

    /// <summary>Literals of which one must occur in its field for the rule to match; null when the rule needs none (see <see cref="SigmaPrefilter"/>).</summary>
    internal SigmaLiterals? Required => _detection.Required;

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

    /// <summary>Why the rule did or did not match: each search identifier, whether it matched, and each of its field tests with the event's value.</summary>
    public IReadOnlyList<SigmaSearchResult> Explain(ISigmaFieldSource source) =>
        [.. _searches.Select(s => new SigmaSearchResult(
            s.Name,
            s.Matcher.Matches(source),
            [.. s.Items.Select(i => new SigmaItemResult(i.Matcher.ToString() ?? string.Empty, i.Matcher.Matches(source), i.Field is not null && source.TryGet(i.Field, out var value) ? FormatValue(value) : null))]))];

    private static string? FormatValue(object? value) => value switch
    {
        null => null,
        string s => s,
        IEnumerable<string> many => string.Join(", ", many),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

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

/// <summary>What loading one rule document gave: the rule or correlation rule, or the problems that kept it out (never all empty).</summary>
public sealed record SigmaLoadResult(SigmaRule? Rule, IReadOnlyList<Problem> Problems)
{
    public SigmaCorrelationRule? Correlation { get; init; }
}

/// <summary>One search identifier of a detection, and its field tests in file order.</summary>
internal sealed record SigmaSearch(string Name, ISigmaMatcher Matcher, IReadOnlyList<SigmaItem> Items);

/// <summary>One field test (field null for keywords).</summary>
internal sealed record SigmaItem(string? Field, ISigmaMatcher Matcher);

/// <summary>How one search identifier fared on an event.</summary>
public sealed record SigmaSearchResult(string Name, bool Matched, IReadOnlyList<SigmaItemResult> Items);

/// <summary>How one field test fared: the test as written (<c>CommandLine|contains: 'curl'</c>), whether it held, and the event's value of the field.</summary>
public sealed record SigmaItemResult(string Test, bool Matched, string? Value);
