using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>
/// What the checks found in one version of a CI definition, check by check, and the lines of its <c>if:</c> conditions: a pure
/// function of the version, kept so that one change's "after" is the next change's "before", and so that a version derived by a
/// small change (<see cref="ValueChange"/>) runs only the checks that can see it.
/// </summary>
internal sealed class CheckedVersion
{
    private readonly Lazy<IReadOnlySet<int>> _conditionLines;
    private HashSet<string>? _keys;

    private CheckedVersion(IReadOnlyList<WorkflowIssue>[] byCheck, Lazy<IReadOnlySet<int>> conditionLines, IReadOnlyList<int> ran)
    {
        ByCheck = byCheck;
        Issues = [.. byCheck.SelectMany(issues => issues)];
        _conditionLines = conditionLines;
        Ran = ran;
    }

    /// <summary>Each check's issues, in the order of the checks.</summary>
    public IReadOnlyList<IReadOnlyList<WorkflowIssue>> ByCheck { get; }

    /// <summary>Every check's issues, in the order of the checks: what running them all on the version gives.</summary>
    public IReadOnlyList<WorkflowIssue> Issues { get; }

    /// <summary>The 1-based lines that are part of an <c>if:</c> condition (<see cref="Conditions.LinesOf"/>), read when first asked: only a version a change derives from needs them.</summary>
    public IReadOnlySet<int> ConditionLines => _conditionLines.Value;

    /// <summary>The indexes of the checks that ran on this version (the others kept the previous version's result).</summary>
    public IReadOnlyList<int> Ran { get; }

    /// <summary>The issues' rule and key, by which a change's "after" issue is told from one its "before" already had.</summary>
    public IReadOnlySet<string> Keys => _keys ??= Issues.Select(i => i.Rule + "|" + i.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>Runs every check on <paramref name="definition"/>.</summary>
    public static CheckedVersion Whole(CiDefinition definition, IReadOnlyList<IWorkflowCheck> checks) =>
        new([.. checks.Select(c => (IReadOnlyList<WorkflowIssue>)[.. c.Check(definition)])], new(() => Conditions.LinesOf(definition)), All(checks.Count));

    // 0 … count - 1 (a loop: LINQ over ints is compiled at run time in a ReadyToRun build).
    private static int[] All(int count)
    {
        var all = new int[count];
        for (var i = 0; i < count; i++) all[i] = i;
        return all;
    }

    /// <summary>
    /// The results on <paramref name="after"/>, derived by <paramref name="change"/> from the version <paramref name="previous"/>
    /// holds the results of: a check that cannot see the change keeps its previous result (<see cref="IWorkflowCheck.Sees"/>), the
    /// others run on <paramref name="after"/>.
    /// </summary>
    public static CheckedVersion Derive(CiDefinition after, CheckedVersion previous, DerivedChange change, IReadOnlyList<IWorkflowCheck> checks)
    {
        var ran = new List<int>();
        var byCheck = new IReadOnlyList<WorkflowIssue>[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            if (!checks[i].Sees(change))
            {
                byCheck[i] = previous.ByCheck[i];
                continue;
            }

            byCheck[i] = [.. checks[i].Check(after)];
            ran.Add(i);
        }

        // The same lines as the previous version's: DerivedChange.TouchesConditions says why a change cannot move them.
        return new(byCheck, previous._conditionLines, ran);
    }
}
