using PipeWatch.Findings;

namespace PipeWatch.Alerting.Signals;

/// <summary>The behavioural signals: which findings are weak observations to weigh together rather than alerts on their own.</summary>
internal static class SignalKinds
{
    public const string NewAuthor = "new-author";
    public const string UnusualHour = "unusual-hour";
    public const string NewPlace = "new-place";
    public const string LargeDeletion = "large-deletion";
    public const string FirstDeploy = "first-deploy";
    public const string NewSecretActor = "new-secret-actor";

    /// <summary>
    /// The evidence a detector adds to mark a finding as the signal it is, where its rule also raises strong findings; several
    /// signals of one finding are comma-separated (a finding is a signal only when every one of them has a weight).
    /// </summary>
    public const string EvidenceName = "signal";

    /// <summary>Default weights, out of a threshold of 60.</summary>
    public static IReadOnlyDictionary<string, int> DefaultWeights { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [NewAuthor] = 30,
        [UnusualHour] = 25,
        [NewPlace] = 25,
        [LargeDeletion] = 30,
        [FirstDeploy] = 25,
        [NewSecretActor] = 30,
    };

    /// <summary>How people read the signal's id in an explanation.</summary>
    public static string Describe(string kind) => kind switch
    {
        NewAuthor => "new author",
        UnusualHour => "unusual hour",
        NewPlace => "new place",
        LargeDeletion => "large deletion",
        FirstDeploy => "first deploy by this actor",
        NewSecretActor => "first touch of these secrets by this actor",
        _ => kind,
    };

    /// <summary>True for a recorded signal (evidence <c>signal</c> and <c>weight</c>) or an alert that signals raised or joined (evidence <c>risk_score</c>).</summary>
    public static bool IsRecordedOrRiskAlert(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Evidence.Any(e => e.Name is "weight" or "risk_score");
    }

    /// <summary>The signal <paramref name="finding"/> is, or null for a finding that stands on its own.</summary>
    public static string? Of(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        if (finding.Evidence.FirstOrDefault(e => e.Name == EvidenceName) is { } marked) return marked.Value;
        return finding.Rule switch
        {
            "code-change.unusual-time" => UnusualHour,
            "code-change.unusual-location" => NewPlace,
            "code-change.large-deletion" => LargeDeletion,
            _ => null,
        };
    }
}
