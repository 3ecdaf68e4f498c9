using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a token given more than jobs need: <c>write-all</c> anywhere, write scopes granted to every job at workflow level, and (between versions) a job newly granted a write scope.</summary>
internal sealed class PermissionsWidenedCheck : IWorkflowCheck, IWorkflowChangeCheck
{
    public static readonly string Rule = Scripts.Rule("permissions-widened");

    // Both the check and the comparison read the triggers (never replaced) and the permissions.
    public bool Sees(DerivedChange change) => change.Touches(EditedPart.JobPermission | EditedPart.WorkflowPermission);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        var privileged = definition.TriggeredBy("pull_request_target", "workflow_run", "issue_comment");
        var scopes = new List<(string? Job, CiPermissions Permissions)>();
        if (definition.Permissions is { } top) scopes.Add((null, top));
        scopes.AddRange(definition.Jobs.Where(j => j.Permissions is not null).Select(j => ((string?)j.Id, j.Permissions!)));
        foreach (var (job, permissions) in scopes)
        {
            var where = job is null ? "every job of the workflow" : $"job '{job}'";
            if (permissions.Whole is { Value: "write-all" } all)
            {
                yield return new WorkflowIssue(
                    Rule, privileged ? Severity.High : Severity.Medium, all.Line, job, null, $"write-all|{job}",
                    $"permissions: write-all gives {where} a token that can write everything",
                    $"'write-all' grants the GITHUB_TOKEN of {where} write access to contents, packages, actions, deployments, id-token and every other scope; any compromised step can then push code, publish packages or rewrite workflows. Grant the few scopes each job needs.");
            }

            if (job is not null) continue;
            foreach (var (scope, level) in permissions.Scopes)
            {
                if (level.Value != "write") continue;
                yield return new WorkflowIssue(
                    Rule, Severity.Low, level.Line, null, null, $"workflow-write|{scope}",
                    $"'{scope}: write' is granted to every job of the workflow",
                    $"A workflow-level '{scope}: write' applies to every job, including ones that only build or test; grant it on the job that needs it and keep the workflow default read-only or empty.");
            }
        }
    }

    public IEnumerable<WorkflowIssue> Compare(CiDefinition before, CiDefinition after)
    {
        foreach (var job in after.Jobs)
        {
            if (job.Permissions is null) continue;
            var old = before.Jobs.FirstOrDefault(j => j.Id == job.Id);
            if (old is null) continue;
            var oldWrites = Writes(old.Permissions ?? before.Permissions);
            foreach (var (scope, level) in job.Permissions.Scopes)
            {
                if (level.Value != "write" || oldWrites.Contains(scope)) continue;
                yield return new WorkflowIssue(
                    Rule, Severity.Low, level.Line, job.Id, null, $"job-write|{job.Id}|{scope}",
                    $"Job '{job.Id}' is newly granted '{scope}: write'",
                    $"Before this change job '{job.Id}' could not write '{scope}'; now its token can. Check the job needs it: a widened token is how a compromised step turns into a pushed commit or a published package.");
            }
        }
    }

    private static HashSet<string> Writes(CiPermissions? permissions) =>
        permissions is null ? ["*"]
        : permissions.Whole?.Value == "write-all" ? ["*"]
        : [.. permissions.Scopes.Where(s => s.Value.Value == "write").Select(s => s.Key)];
}
