using System.Globalization;

namespace PipeWatch.Rules.Sigma;

/// <summary>A loaded, validated Sigma correlation rule (Sigma correlation specification): what to count over which rules' matches, per group, within a timespan.</summary>
public sealed class SigmaCorrelationRule
{
    public required string File { get; init; }

    public int Line { get; init; } = 1;

    public required string Title { get; init; }

    public string? Id { get; init; }

    /// <summary>The <c>name</c>, by which other correlation rules may chain to this one.</summary>
    public string? Name { get; init; }

    public SigmaStatus? Status { get; init; }

    public SigmaLevel? Level { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> CustomAttributes { get; init; } = new Dictionary<string, string>(0);

    public required SigmaCorrelationType Type { get; init; }

    /// <summary>The rules (or correlation rules) it correlates, by id or name, in order (the order matters for <c>temporal_ordered</c>).</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    /// <summary>The fields (or aliases) whose values make a group; empty: one group.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    public required TimeSpan Timespan { get; init; }

    /// <summary>Every threshold must hold (a range is two); empty on a temporal rule means every rule must have matched.</summary>
    public IReadOnlyList<SigmaThreshold> Conditions { get; init; } = [];

    /// <summary>The field counted, summed, averaged or ranked by the <c>value_*</c> types.</summary>
    public string? Field { get; init; }

    /// <summary>The percentile (1–100) of <c>value_percentile</c>.</summary>
    public int? Percentile { get; init; }

    /// <summary>Alias → (rule id or name → the field it stands for in that rule's events).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Aliases { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>(0);

    /// <summary>True when the referenced rules also raise their own findings; by default only the correlation does.</summary>
    public bool Generate { get; init; }

    /// <summary>True when every threshold holds for <paramref name="value"/>.</summary>
    public bool Holds(double value) => Conditions.All(c => c.Holds(value));

    /// <summary>The condition as text, e.g. <c>gte 5</c> or <c>gt 100 and lte 200</c>.</summary>
    public string ConditionText => Conditions.Count == 0 ? $"all {Rules.Count} rules" : string.Join(" and ", Conditions.Select(c => c.ToString()));

    /// <inheritdoc />
    public override string ToString() => $"{Title} ({Id ?? Name ?? File})";
}

/// <summary>The correlation types of the specification, with the <c>value_*</c> aggregations of Sigma 2.1 tools.</summary>
public enum SigmaCorrelationType
{
    EventCount,
    ValueCount,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    Temporal,
    TemporalOrdered,
}

/// <summary>One threshold of a correlation condition: <c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c>, <c>eq</c> or <c>neq</c> and a number.</summary>
public sealed record SigmaThreshold(string Operator, double Value)
{
    public static readonly IReadOnlyList<string> Operators = ["gt", "gte", "lt", "lte", "eq", "neq"];

    public bool Holds(double x) => Operator switch
    {
        "gt" => x > Value,
        "gte" => x >= Value,
        "lt" => x < Value,
        "lte" => x <= Value,
        "eq" => x == Value,
        _ => x != Value,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Operator} {Value.ToString(CultureInfo.InvariantCulture)}";
}
