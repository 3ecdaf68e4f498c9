using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>One risky pattern looked for in a CI definition.</summary>
/// <remarks>Stateless and thread-safe. Each issue's <see cref="WorkflowIssue.Key"/> leaves out line numbers, so the detector can tell an issue the change introduced from one the file already had.</remarks>
internal interface IWorkflowCheck
{
    IEnumerable<WorkflowIssue> Check(CiDefinition definition);

    /// <summary>
    /// False only when this check's result on a version derived by <paramref name="change"/> is certainly its result on the
    /// previous version: the change replaced nothing it reads. Each implementation says why from what it reads.
    /// </summary>
    bool Sees(DerivedChange change);
}

/// <summary>A difference between two versions of a CI definition worth reporting on its own (steps, jobs, triggers).</summary>
internal interface IWorkflowChangeCheck
{
    IEnumerable<WorkflowIssue> Compare(CiDefinition before, CiDefinition after);

    /// <summary>False only when comparing across <paramref name="change"/> certainly finds nothing (as comparing a version with itself): the change replaced nothing it compares.</summary>
    bool Sees(DerivedChange change);
}

/// <summary>What a check found: its rule, how bad, where (line, job, step), and a line-free key that identifies it across versions.</summary>
/// <param name="Pedantic">Hygiene rather than a weakness: reported only at the <c>pedantic</c> level, so it does not drown what an attacker can use.</param>
internal sealed record WorkflowIssue(
    string Rule,
    Findings.Severity Severity,
    int Line,
    string? Job,
    string? Step,
    string Key,
    string Title,
    string Explanation,
    bool Pedantic = false);
