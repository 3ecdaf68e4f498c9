using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>
/// A change from one version of a CI definition to the next whose model <see cref="ValueChange"/> derived: what it replaced, as a
/// check asks about it to tell whether its result can differ from the previous version's (<see cref="IWorkflowCheck.Sees"/>).
/// </summary>
/// <param name="edit">What the derivation replaced.</param>
/// <param name="conditionLines">The 1-based lines of the previous version that are part of an <c>if:</c> condition (<see cref="Conditions.LinesOf"/>).</param>
internal sealed class DerivedChange(ValueEdit edit, IReadOnlySet<int> conditionLines)
{
    public ValueEdit Edit { get; } = edit;

    /// <summary>True when the edit replaced a value of any of <paramref name="parts"/>.</summary>
    public bool Touches(EditedPart parts) => Edit.Touches(parts);

    /// <summary>
    /// True when a changed line is part of an <c>if:</c> condition. Otherwise every condition has the same line, text and block
    /// indicator in both versions: a line is an <c>if:</c> line by its lead (the same in both), a block's extent depends only on
    /// indentation and blank lines (the same in both), and its text only on its own lines.
    /// </summary>
    public bool TouchesConditions => Edit.Lines.Any(l => conditionLines.Contains(l.Number));

    /// <summary>True when a changed line, before or after, is one <paramref name="reads"/> says a check may report or depend on.</summary>
    public bool TouchesLines(Func<string, bool> reads) => Edit.Lines.Any(l => reads(l.Old) || reads(l.New));

    /// <summary>True when the edit gave a new label to a step (labelled by its action) that <paramref name="reported"/> says the check may name.</summary>
    public bool Relabels(Func<CiStep, bool> reported) => Edit.Values.Any(v => v.Part == EditedPart.StepLabel && reported(v.Step!));

    /// <summary>True when the edit replaced a value of a step (its action, an input, an env entry, its label) that <paramref name="concerns"/> says the check reads, given the step's action before and, for a replaced action, after.</summary>
    public bool TouchesStepsUsing(Func<string?, bool> concerns) =>
        Edit.Values.Any(v => v.Step is { } step && (concerns(step.Uses?.Value) || (v.Part == EditedPart.StepUses && concerns(v.New))));

    /// <summary>True when the edit replaced code a step runs (<see cref="Scripts.Of"/>: an input such as <c>script:</c>; a <c>run:</c> is never replaced).</summary>
    public bool TouchesScripts => Edit.Values.Any(v => v.Part == EditedPart.StepWith && Scripts.IsCodeInput(v.Name));
}
