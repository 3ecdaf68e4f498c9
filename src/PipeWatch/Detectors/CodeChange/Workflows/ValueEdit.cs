namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>The parts of a CI definition's model that <see cref="ValueChange"/> can replace.</summary>
[Flags]
internal enum EditedPart
{
    None = 0,
    StepUses = 1,

    /// <summary>The label of a step labelled by the action it uses (no name, no id), which moves with its <c>uses:</c>.</summary>
    StepLabel = 2,
    StepWith = 4,
    StepEnv = 8,
    JobImage = 16,
    JobEnv = 32,
    JobPermission = 64,
    JobUses = 128,
    WorkflowEnv = 256,
    WorkflowPermission = 512,
}

/// <summary>One value <see cref="ValueChange"/> replaced: its part, its name (the <c>with</c>/<c>env</c> key or permission scope; null otherwise), the text before and after, and the step it belongs to (null for a job's or the workflow's value).</summary>
internal sealed record EditedValue(EditedPart Part, string? Name, string Old, string New, CiStep? Step);

/// <summary>A changed line of a derived version: its 1-based number, its text before and after.</summary>
internal sealed record EditedLine(int Number, string Old, string New);

/// <summary>What <see cref="ValueChange"/> replaced to derive a version's model from the previous version's.</summary>
/// <remarks>
/// Everything else is the same in both versions: the number of lines, every other line's text, the leading spaces, dash and key
/// of each changed line, and every model value not listed (triggers, runner labels, matrices, scripts, conditions' text outside
/// the changed lines). Each <see cref="EditedValue.Old"/> and <see cref="EditedValue.New"/> is plain text of
/// <c>[A-Za-z0-9_./@+:-]</c>: no space, quote, <c>$</c>, <c>%</c>, backtick, brace or <c>#</c>, so it holds no expression, variable,
/// command substitution or pipe. A check can rely on these to show that its result cannot differ between the two versions.
/// </remarks>
internal sealed class ValueEdit(IReadOnlyList<EditedLine> lines, IReadOnlyList<EditedValue> values)
{
    public IReadOnlyList<EditedLine> Lines { get; } = lines;

    public IReadOnlyList<EditedValue> Values { get; } = values;

    /// <summary>Every part the edit replaced a value of.</summary>
    public EditedPart Parts { get; } = Union(values);

    private static EditedPart Union(IReadOnlyList<EditedValue> values)
    {
        var parts = EditedPart.None;
        foreach (var value in values) parts |= value.Part;
        return parts;
    }

    /// <summary>True when the edit replaced a value of any of <paramref name="parts"/>.</summary>
    public bool Touches(EditedPart parts) => (Parts & parts) != EditedPart.None;
}
