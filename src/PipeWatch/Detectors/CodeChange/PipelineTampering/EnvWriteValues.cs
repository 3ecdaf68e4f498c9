using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Whether the value a script writes to <c>GITHUB_ENV</c>/<c>GITHUB_PATH</c> can carry outside input, or is made only of what the runner and the workflow fix.</summary>
/// <remarks>
/// Untrusted: an expression reading anything but <c>runner.*</c>, <c>secrets.*</c>, <c>matrix.*</c> or a <c>github.*</c> value outsiders cannot choose;
/// a command substitution other than a handful that read the machine (<c>$(pwd)</c>, <c>$(date …)</c>, <c>$(nproc)</c>, <c>$(uname …)</c>);
/// a variable that is neither set by the runner (<c>$RUNNER_TEMP</c>, <c>$GITHUB_WORKSPACE</c>, <c>$HOME</c>, <c>$PWD</c>…) nor assigned a
/// trusted value in the step's, job's or workflow's <c>env</c> or earlier in the same script.
/// </remarks>
internal static partial class EnvWriteValues
{
    private const int MaxDepth = 4;

    // Set by the runner or the image; an outsider cannot choose their values. GITHUB_REF*/GITHUB_HEAD_REF name branches and are left out.
    private static readonly HashSet<string> RunnerVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        "PWD", "HOME", "PATH", "USER", "TMPDIR", "TEMP", "TMP", "SHELL", "HOSTNAME", "CI", "RUNNER_TEMP", "RUNNER_TOOL_CACHE", "RUNNER_WORKSPACE",
        "RUNNER_OS", "RUNNER_ARCH", "RUNNER_NAME", "RUNNER_DEBUG", "RUNNER_ENVIRONMENT", "GITHUB_WORKSPACE", "GITHUB_ACTION_PATH", "GITHUB_SHA",
        "GITHUB_REPOSITORY", "GITHUB_REPOSITORY_OWNER", "GITHUB_REPOSITORY_ID", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER", "GITHUB_RUN_ATTEMPT",
        "GITHUB_SERVER_URL", "GITHUB_API_URL", "GITHUB_GRAPHQL_URL", "GITHUB_JOB", "GITHUB_WORKFLOW", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH",
        "GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_ACTOR", "GITHUB_ACTOR_ID",
        "GITHUB_ACTION", "GITHUB_RETENTION_DAYS", "ImageOS", "ImageVersion", "JAVA_HOME", "ANDROID_HOME", "ANDROID_SDK_ROOT", "ANDROID_NDK_HOME",
        "CONDA", "VCPKG_INSTALLATION_ROOT", "pythonLocation", "Python_ROOT_DIR", "Python3_ROOT_DIR", "GOROOT", "GOPATH", "LOCALAPPDATA", "APPDATA",
        "USERPROFILE", "ProgramFiles", "SYSTEMROOT", "WINDIR", "RUNNER_TRACKING_ID", "XDG_CONFIG_HOME", "DOTNET_ROOT",
    };

    /// <summary>True when <paramref name="value"/> (the text before <c>&gt;&gt; $GITHUB_ENV</c>) may carry a value from outside.</summary>
    public static bool IsUntrusted(string value, CiDefinition definition, CiStep step, string script) => IsUntrusted(value, definition, step, script, 0);

    private static bool IsUntrusted(string value, CiDefinition definition, CiStep step, string script, int depth)
    {
        if (depth > MaxDepth) return true;
        if (Expressions.Spans(value).Any(s => !IsTrustedExpression(s.Inner))) return true;
        var withoutExpressions = ExpressionSpan().Replace(value, "");
        if (withoutExpressions.Contains('`', StringComparison.Ordinal)) return true;
        var withoutCommands = MachineCommand().Replace(withoutExpressions, "");
        if (withoutCommands.Contains("$(", StringComparison.Ordinal)) return true;
        foreach (Match m in Variable().Matches(withoutCommands))
        {
            var name = m.Groups["name"].Value;
            if (name.Length == 0) return true; // $1, $@, $* … : arguments nobody here fixed
            if (RunnerVariables.Contains(name)) continue;
            if (AssignedValue(name, definition, step, script) is not { } assigned) return true;
            if (IsUntrusted(assigned, definition, step, script, depth + 1)) return true;
        }

        return false;
    }

    private static bool IsTrustedExpression(string inner) =>
        Expressions.IsBooleanOnly(inner)
        || Expressions.References(inner).All(r => r.StartsWith("runner.", StringComparison.Ordinal) || r.StartsWith("secrets.", StringComparison.Ordinal)
            || r.StartsWith("matrix.", StringComparison.Ordinal)
            || r.StartsWith("github.", StringComparison.Ordinal) && !r.StartsWith("github.event", StringComparison.Ordinal) && !r.StartsWith("github.ref", StringComparison.Ordinal)
                && !Expressions.IsAttackerControlled(r));

    /// <summary>The value <paramref name="name"/> gets from the step's, job's or workflow's <c>env</c>, or from an assignment in the script; null when unknown.</summary>
    private static string? AssignedValue(string name, CiDefinition definition, CiStep step, string script)
    {
        if (step.Env.TryGetValue(name, out var own)) return own.Value;
        if (definition.Jobs.FirstOrDefault(j => j.Id == step.Job) is { } job && job.Env.TryGetValue(name, out var jobs)) return jobs.Value;
        if (definition.Env.TryGetValue(name, out var workflows)) return workflows.Value;
        var assignments = Assignment().Matches(script).Where(a => a.Groups["name"].Value == name).ToList();
        // Every assignment must be trusted: a loop or a branch may set it either way.
        return assignments.Count == 0 ? null : string.Join(" ", assignments.Select(a => a.Groups["value"].Value));
    }

    [GeneratedRegex(@"\$\{\{.*?\}\}")]
    private static partial Regex ExpressionSpan();

    [GeneratedRegex(@"\$\((?:pwd|nproc|whoami|date(?: [^()$`;|&]*)?|uname(?: -\w+)*|id -[ug])\)")]
    private static partial Regex MachineCommand();

    [GeneratedRegex(@"\$env:(?<name>\w+)|\$\{?(?<name>[A-Za-z_]\w*)|\$\{?[0-9@*#?!-]|%(?<name>[A-Za-z_]\w*)%", RegexOptions.IgnoreCase)]
    private static partial Regex Variable();

    [GeneratedRegex(@"^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?(?<name>[A-Za-z_]\w*)=(?<value>[^\n]*)", RegexOptions.Multiline)]
    private static partial Regex Assignment();
}
