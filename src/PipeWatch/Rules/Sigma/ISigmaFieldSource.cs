namespace PipeWatch.Rules.Sigma;

/// <summary>The fields of one event as a Sigma rule sees them: by the name the rule uses, and all values for keyword searches.</summary>
/// <remarks>Read from the detecting stage only; an implementation wraps one event and need not be thread-safe.</remarks>
public interface ISigmaFieldSource
{
    /// <summary>The value of <paramref name="field"/>: a string, a number, a list of strings, or null; false when the event has no such field.</summary>
    bool TryGet(string field, out object? value);

    /// <summary>Every value of the event, for field-less (keyword) searches.</summary>
    IEnumerable<string> AllValues();
}

/// <summary>One compiled piece of a detection: a search identifier, a field test, or a condition node.</summary>
internal interface ISigmaMatcher
{
    bool Matches(ISigmaFieldSource source);

    /// <summary>Literals of which at least one must occur (case-insensitively) in its field for a match; null when none is needed.</summary>
    SigmaLiterals? Required { get; }
}

/// <summary>A necessary condition for a match: at least one of these literals occurs in the value of its field.</summary>
internal sealed record SigmaLiterals(IReadOnlyList<(string Field, string Literal)> AnyOf)
{
    /// <summary>For an AND: the requirement of the part that is cheapest to satisfy (fewest, then longest literals); null only when no part has one.</summary>
    public static SigmaLiterals? Best(IEnumerable<SigmaLiterals?> parts) =>
        parts.OfType<SigmaLiterals>().OrderBy(p => p.AnyOf.Count).ThenByDescending(p => p.AnyOf.Min(l => l.Literal.Length)).FirstOrDefault();

    /// <summary>For an OR: the union, or null when a part needs no literal.</summary>
    public static SigmaLiterals? Union(IEnumerable<SigmaLiterals?> parts)
    {
        var all = new List<(string, string)>();
        foreach (var part in parts)
        {
            if (part is null) return null;
            all.AddRange(part.AnyOf);
        }

        return all.Count == 0 ? null : new SigmaLiterals(all.Distinct().ToList());
    }
}
