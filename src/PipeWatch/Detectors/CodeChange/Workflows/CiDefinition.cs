namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>The CI systems whose definitions are analysed.</summary>
public enum CiPlatform
{
    /// <summary>A GitHub Actions workflow under <c>.github/workflows/</c>.</summary>
    GitHubWorkflow,

    /// <summary>A GitHub Actions action definition (<c>action.yml</c>): composite, Docker or JavaScript.</summary>
    GitHubAction,

    /// <summary>A <c>.gitlab-ci.yml</c> (or a file it includes under <c>.gitlab/</c>).</summary>
    GitLabCi,

    /// <summary>An Azure Pipelines definition (<c>azure-pipelines*.yml</c>).</summary>
    AzurePipelines,

    /// <summary>A Jenkins pipeline (<c>Jenkinsfile</c>), read at the text level.</summary>
    Jenkins,
}

/// <summary>A CI definition reduced to what tampering checks need: triggers, permissions, environment, jobs and steps, each with its line.</summary>
/// <param name="Path">The file's path in the repository.</param>
/// <param name="Triggers">The events that start it (GitHub <c>on:</c>, Azure <c>trigger</c>/<c>pr</c>/<c>schedules</c>), with their lines.</param>
/// <param name="Permissions">Workflow-level token permissions, when set.</param>
/// <param name="Env">Workflow-level environment (GitLab: top-level <c>variables</c>).</param>
/// <param name="Lines">The file's text split into lines, for trailing comments and text-level checks.</param>
public sealed record CiDefinition(
    string Path,
    CiPlatform Platform,
    IReadOnlyList<CiText> Triggers,
    CiPermissions? Permissions,
    IReadOnlyDictionary<string, CiText> Env,
    IReadOnlyList<CiJob> Jobs,
    IReadOnlyList<string> Lines)
{
    /// <summary>True when any trigger is one of <paramref name="names"/>.</summary>
    public bool TriggeredBy(params ReadOnlySpan<string> names)
    {
        foreach (var trigger in Triggers)
        {
            foreach (var name in names)
            {
                if (trigger.Value == name) return true;
            }
        }

        return false;
    }

    /// <summary>Every step of every job, in file order.</summary>
    public IEnumerable<CiStep> Steps => Jobs.SelectMany(j => j.Steps);
}

/// <summary>A job: its id, where it runs, its matrix, images, steps, and the reusable workflow it calls.</summary>
/// <param name="RunsOn">Runner labels (GitHub <c>runs-on</c>, Azure pool names); a runner group is listed as <c>group:NAME</c>.</param>
/// <param name="Matrix">Matrix dimensions and the values of each, including <c>include</c> entries.</param>
/// <param name="Excluded">Matrix values removed by <c>exclude</c> entries, per dimension.</param>
/// <param name="Images">Container and service images, and <c>docker://</c> references.</param>
/// <param name="Uses">The reusable workflow the job calls, if any.</param>
/// <param name="SecretsInherit">The <c>secrets: inherit</c> value, if the job passes every secret on.</param>
public sealed record CiJob(
    string Id,
    int Line,
    IReadOnlyList<CiText> RunsOn,
    IReadOnlyDictionary<string, IReadOnlyList<CiText>> Matrix,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Excluded,
    IReadOnlyList<CiText> Images,
    IReadOnlyDictionary<string, CiText> Env,
    CiPermissions? Permissions,
    CiText? Uses,
    CiText? SecretsInherit,
    IReadOnlyList<CiStep> Steps);

/// <summary>One step: a script (<c>run</c>, <c>script</c>, a Jenkins <c>sh</c>) or an action/task it uses, with its inputs and environment.</summary>
/// <param name="Job">The id of the job it belongs to.</param>
/// <param name="Label">What people call it: its name, else its id, the action it uses, or its first script line.</param>
/// <param name="Uses">The action, task or image it uses.</param>
/// <param name="Run">The script it runs.</param>
/// <param name="With">Its inputs (<c>with:</c>, Azure <c>inputs:</c>).</param>
public sealed record CiStep(
    string Job,
    string Label,
    int Line,
    CiText? Uses,
    CiText? Run,
    IReadOnlyDictionary<string, CiText> With,
    IReadOnlyDictionary<string, CiText> Env);

/// <summary>Token permissions: a whole-token value (<c>write-all</c>, <c>read-all</c>, <c>{}</c>) or per-scope levels.</summary>
public sealed record CiPermissions(CiText? Whole, IReadOnlyList<KeyValuePair<string, CiText>> Scopes);

/// <summary>A scalar value with the line where it starts; block scalars know the line of each character.</summary>
/// <param name="Value">The text as YAML gives it.</param>
/// <param name="Line">1-based line of the value (of its first content line, for a block scalar).</param>
/// <param name="Block">True for a literal or folded block scalar, whose lines follow the file's lines.</param>
public sealed record CiText(string Value, int Line, bool Block = false)
{
    /// <summary>The file line of the character at <paramref name="index"/> in <see cref="Value"/>.</summary>
    public int LineOf(int index)
    {
        if (!Block) return Line;
        var newlines = 0;
        for (var i = 0; i < index && i < Value.Length; i++)
        {
            if (Value[i] == '\n') newlines++;
        }

        return Line + newlines;
    }
}
