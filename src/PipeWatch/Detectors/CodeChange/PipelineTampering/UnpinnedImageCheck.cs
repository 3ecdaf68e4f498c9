using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds container, service and Docker-action images referenced by a tag (or none) instead of an <c>@sha256:</c> digest.</summary>
/// <remarks><c>${{ matrix.X }}</c> images are resolved through the job's matrix; other expressions and <c>$VARIABLES</c> are not resolved and not reported; an action's <c>image: Dockerfile</c> is built locally and not reported.</remarks>
internal sealed class UnpinnedImageCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("unpinned-image");

    // Reads the jobs' images, `docker://` steps (their uses and labels) and matrices (never replaced): a step's value changes
    // nothing unless the step uses a `docker://` image before or after.
    public bool Sees(DerivedChange change) =>
        change.Touches(EditedPart.JobImage)
        || (change.Touches(EditedPart.StepUses | EditedPart.StepLabel) && change.TouchesStepsUsing(uses => uses?.StartsWith("docker://", StringComparison.Ordinal) == true));

    // The jobs' images, then their `docker://` steps, each in plain loops: no LINQ Select/Concat over (step, image) tuples, whose
    // framework code over a value type is in no ReadyToRun image and ran jitted (see SameEntryComparer).
    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var job in definition.Jobs)
        {
            foreach (var image in job.Images)
            {
                foreach (var issue in Issues(job, null, image)) yield return issue;
            }

            foreach (var s in job.Steps)
            {
                if (s.Uses is not { } uses || !uses.Value.StartsWith("docker://", StringComparison.Ordinal)) continue;
                foreach (var issue in Issues(job, s.Label, uses)) yield return issue;
            }
        }
    }

    private static IEnumerable<WorkflowIssue> Issues(CiJob job, string? step, CiText image)
    {
        foreach (var (line, name) in Resolve(image, job))
        {
            var bare = name.StartsWith("docker://", StringComparison.Ordinal) ? name["docker://".Length..] : name;
            if (bare.Length == 0 || bare.Contains("@sha256:", StringComparison.Ordinal) || bare.Contains('$') || IsLocalBuild(bare)) continue;
            var slash = bare.LastIndexOf('/');
            var colon = bare.IndexOf(':', slash + 1);
            var tag = colon < 0 ? null : bare[(colon + 1)..];
            yield return new WorkflowIssue(
                Rule, Severity.Low, line, job.Id, step, $"{job.Id}|{bare}",
                $"Image {bare} is not pinned to a digest",
                tag is null or "latest"
                    ? $"'{bare}' names {(tag is null ? "no tag, so" : "the tag latest, so")} it runs whatever image was pushed last; pin it by digest (image@sha256:…)."
                    : $"'{bare}' uses the tag '{tag}', which the registry owner can point at another image at any time; pin it by digest (image@sha256:…).");
        }
    }

    /// <summary>True for a Docker action's <c>image: Dockerfile</c> (or a path to one): the image is built from the repository, not pulled.</summary>
    private static bool IsLocalBuild(string image) =>
        image.Equals("Dockerfile", StringComparison.Ordinal) || image.EndsWith("/Dockerfile", StringComparison.Ordinal) || image.StartsWith("./", StringComparison.Ordinal);

    private static IEnumerable<(int Line, string Name)> Resolve(CiText image, CiJob job)
    {
        var value = image.Value.Trim();
        if (!value.Contains("${{", StringComparison.Ordinal))
        {
            yield return (image.Line, value);
            yield break;
        }

        foreach (var (_, inner) in Expressions.Spans(value))
        {
            var references = Expressions.References(inner).ToList();
            if (references.Count != 1 || !references[0].StartsWith("matrix.", StringComparison.Ordinal)) continue;
            foreach (var candidate in job.Matrix.GetValueOrDefault(references[0]["matrix.".Length..]) ?? [])
            {
                yield return (candidate.Line, candidate.Value.Trim());
            }
        }
    }
}
