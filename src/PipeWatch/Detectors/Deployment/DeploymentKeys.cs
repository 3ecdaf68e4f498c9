using System.Text.RegularExpressions;
using PipeWatch.Events;

namespace PipeWatch.Detectors.Deployment;

/// <summary>What the deployment detectors share: the scope a deployment belongs to, its baseline key, its id, and whether the actor is a machine.</summary>
internal static class DeploymentKeys
{
    private const string Separator = "\u001f";

    /// <summary>The repository; else the pipeline (an Argo CD application without a repository); else the platform (<c>kubernetes</c>).</summary>
    public static string Scope(Event e) =>
        e.Ci.Repository is { Length: > 0 } repository ? repository
        : e.Ci.Pipeline is { Length: > 0 } pipeline ? pipeline
        : e.Ci.Platform ?? e.Dataset;

    /// <summary>The key of one scope and environment.</summary>
    public static string Key(string scope, string environment) => string.Concat(scope, Separator, environment);

    /// <summary>The deployment this event is about: all status events of one deployment share it.</summary>
    public static string DeploymentId(Event e) => e.Fields.GetValueOrDefault(EventFields.DeploymentId) ?? e.Id;

    /// <summary>True for a review event (requested, approved, rejected): about a deployment, but not one.</summary>
    public static bool IsReview(Event e) =>
        e.Fields.GetValueOrDefault(EventFields.DeploymentReview) is "requested" or "approved" or "rejected";

    /// <summary>A machine account: a <c>[bot]</c> login, a bot or service-account type, a Kubernetes service account, or one of the configured bots.</summary>
    public static bool IsBot(Event e, string actor, IReadOnlyList<Regex> knownBots) =>
        actor.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase)
        || actor.StartsWith("system:serviceaccount:", StringComparison.Ordinal)
        || e.Fields.GetValueOrDefault(EventFields.UserType) is "bot" or "service-account"
        || knownBots.Any(b => b.IsMatch(actor));

    /// <summary>A glob (<c>*</c>, <c>?</c>) as an anchored, case-insensitive regex, compiled once at construction.</summary>
    public static Regex Glob(string pattern) => new(
        "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
