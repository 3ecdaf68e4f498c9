namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>
/// How many values of a CI definition's model each line holds (every value that carries a line, whether or not
/// <see cref="ValueChange"/> can replace it): a changed line is derived only when it holds exactly one.
/// </summary>
/// <remarks>
/// Counted once on a parsed model and kept for every version <see cref="ValueChange"/> derives from it: a derivation replaces a
/// value's text in place (same line, same kind), adds and removes none, so the counts are the same. Immutable, thread-safe.
/// </remarks>
internal sealed class ValueLines
{
    private readonly Dictionary<int, int> _counts;

    private ValueLines(Dictionary<int, int> counts) => _counts = counts;

    /// <summary>The counts of <paramref name="definition"/>'s values by line.</summary>
    public static ValueLines Of(CiDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var counts = new Dictionary<int, int>();
        foreach (var text in ValueChange.Values(definition)) counts[text.Line] = counts.GetValueOrDefault(text.Line) + 1;
        return new ValueLines(counts);
    }

    /// <summary>How many values the 1-based <paramref name="line"/> holds.</summary>
    public int Count(int line) => _counts.GetValueOrDefault(line);
}
