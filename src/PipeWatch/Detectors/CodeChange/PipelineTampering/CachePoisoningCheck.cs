using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a cache restored in a release workflow (run on <c>release</c> or on tags): a cache any branch's workflow could write is unpacked into the build that ships.</summary>
/// <remarks>
/// Caching actions and their switches: <c>actions/cache</c>, <c>Swatinem/rust-cache</c>, <c>Mozilla-Actions/sccache-action</c> and
/// <c>gradle/actions/setup-gradle</c> cache unless told not to; <c>actions/setup-go</c> and <c>astral-sh/setup-uv</c> (<c>enable-cache</c>)
/// and <c>actions/setup-node</c> (<c>package-manager-cache</c>) cache by default; <c>setup-python</c>, <c>setup-java</c>, <c>setup-dotnet</c>,
/// <c>setup-node</c> (<c>cache</c>), <c>ruby/setup-ruby</c> (<c>bundler-cache</c>) and <c>PyO3/maturin-action</c> (<c>sccache</c>) on opt-in.
/// A switch set by an expression is not decided offline and is not reported.
/// </remarks>
internal sealed class CachePoisoningCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("cache-poisoning");

    // Action (lower-case, without @ref) → the input that turns caching on or off, and whether caching is on when it is absent.
    private static readonly Dictionary<string, (string Input, bool Default)> Caching = new(StringComparer.OrdinalIgnoreCase)
    {
        ["actions/cache"] = ("lookup-only", true),
        ["swatinem/rust-cache"] = ("lookup-only", true),
        ["mozilla-actions/sccache-action"] = (string.Empty, true),
        ["gradle/actions/setup-gradle"] = ("cache-disabled", true),
        ["actions/setup-go"] = ("cache", true),
        ["astral-sh/setup-uv"] = ("enable-cache", true),
        ["actions/setup-python"] = ("cache", false),
        ["actions/setup-java"] = ("cache", false),
        ["actions/setup-dotnet"] = ("cache", false),
        ["ruby/setup-ruby"] = ("bundler-cache", false),
        ["pyo3/maturin-action"] = ("sccache", false),
        ["ramsey/composer-install"] = ("ignore-cache", true),
    };

    private static readonly string[] Publishers = ["softprops/action-gh-release@", "pypa/gh-action-pypi-publish@", "ncipollo/release-action@", "goreleaser/goreleaser-action@"];

    // Reads the triggers (never replaced), the lines that make a release workflow, which steps publish, and the inputs and labels
    // of steps that cache. A value of a step that neither caches nor publishes, before or after, changes none of these.
    public bool Sees(DerivedChange change) => change.TouchesLines(IsReleaseLine) || change.TouchesStepsUsing(Concerns);

    // A caching action (or setup-node, which may cache) or a publisher.
    private static bool Concerns(string? uses)
    {
        if (uses is null) return false;
        var action = uses.Split('@')[0];
        return Caching.ContainsKey(action) || action.Equals("actions/setup-node", StringComparison.OrdinalIgnoreCase)
            || Publishers.Any(p => uses.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        if (definition.Platform != CiPlatform.GitHubWorkflow) yield break;
        var release = IsRelease(definition);
        foreach (var step in definition.Jobs.Where(j => release || Publishes(j)).SelectMany(j => j.Steps))
        {
            if (step.Uses?.Value is not { } uses || !Caches(uses.Split('@')[0], step)) continue;
            yield return new WorkflowIssue(
                Rule, Severity.High, step.Line, step.Job, step.Label, StepKeys.Of(step),
                $"Release workflow restores a cache in step '{step.Label}'",
                $"'{uses.Split('@')[0]}' restores a cache here, and caches are shared across the repository's branches: a workflow any contributor's branch runs can write a poisoned entry under the same key, and this release build unpacks it into what it ships. Turn caching off in release and publish jobs.");
        }
    }

    // Run on a release, on tags, or on a release branch (release, release-v2, releases/**).
    private static bool IsRelease(CiDefinition definition) => definition.TriggeredBy("release") || definition.Lines.Any(IsReleaseLine);

    // A `tags:` filter, or a list entry naming a release branch.
    private static bool IsReleaseLine(string line)
    {
        var t = line.Trim();
        return t.StartsWith("tags:", StringComparison.Ordinal) || (t.StartsWith("- ", StringComparison.Ordinal) && t[2..].Trim('"', '\'', ' ').StartsWith("release", StringComparison.Ordinal));
    }

    // A job that publishes a release or a package is a release job whatever the trigger.
    private static bool Publishes(CiJob job) =>
        job.Steps.Any(s => s.Uses?.Value is { } uses && Publishers.Any(p => uses.StartsWith(p, StringComparison.OrdinalIgnoreCase)));

    private static bool Caches(string action, CiStep step)
    {
        if (action.Equals("actions/setup-node", StringComparison.OrdinalIgnoreCase))
        {
            var cache = Value(step, "cache");
            var manager = Value(step, "package-manager-cache");
            if (cache is { Length: > 0 } && !IsFalse(cache) && !IsExpression(cache)) return true;
            return manager is null ? cache is null : !IsFalse(manager) && !IsExpression(manager);
        }

        if (!Caching.TryGetValue(action, out var rule)) return false;
        if (rule.Input.Length == 0) return true;
        var value = Value(step, rule.Input);
        if (value is null) return rule.Default;
        if (IsExpression(value)) return false;
        var off = rule.Input is "lookup-only" or "cache-disabled" or "ignore-cache" ? !IsFalse(value) : IsFalse(value) || value.Length == 0;
        return !off;
    }

    private static string? Value(CiStep step, string input) => step.With.GetValueOrDefault(input)?.Value.Trim().Trim('"', '\'').Trim();

    private static bool IsFalse(string value) => value.Equals("false", StringComparison.OrdinalIgnoreCase);

    private static bool IsExpression(string value) => value.Contains("${{", StringComparison.Ordinal);
}
