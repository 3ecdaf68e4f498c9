namespace PipeWatch.Sources.Intake;

/// <summary>What the sender said a payload is (a webhook's event header), mapped to the payload formats that read it.</summary>
/// <remarks>
/// A hint that names formats restricts reading to them: a body none of them recognizes is a problem, not read as something else.
/// A hint that names none (an event PipeWatch does not read, or one it does not know) leaves the payload to recognition, as a file's.
/// </remarks>
internal sealed class PayloadHint
{
    /// <summary>The <c>X-GitHub-Event</c> values PipeWatch reads, and their formats.</summary>
    private static readonly Dictionary<string, string> GitHubEvents = new(StringComparer.Ordinal)
    {
        ["workflow_job"] = "github-workflow-job",
        ["workflow_run"] = "github-workflow-run",
        ["deployment"] = "github-deployment",
        ["deployment_status"] = "github-deployment-status",
        ["deployment_review"] = "github-deployment-review",
        ["push"] = "github-push",
        ["member"] = "github-member",
        ["membership"] = "github-membership",
        ["organization"] = "github-organization",
        ["deploy_key"] = "github-deploy-key",
        ["secret_scanning_alert"] = "github-secret-scanning-alert",
        ["branch_protection_rule"] = "github-branch-protection-rule",
        ["repository"] = "github-repository",
    };

    /// <summary>The <c>X-Gitlab-Event</c> values PipeWatch reads, and their formats.</summary>
    private static readonly Dictionary<string, string> GitLabEvents = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Pipeline Hook"] = "gitlab-pipeline",
        ["Job Hook"] = "gitlab-job",
        ["Build Hook"] = "gitlab-job",
        ["Deployment Hook"] = "gitlab-deployment",
        ["Push Hook"] = "gitlab-push",
    };

    private PayloadHint(string header, string value, IReadOnlyList<string> formatIds)
    {
        Header = header;
        Value = value;
        FormatIds = formatIds;
    }

    /// <summary>The header the hint came from, e.g. <c>X-GitHub-Event</c>.</summary>
    public string Header { get; }

    /// <summary>The header's value.</summary>
    public string Value { get; }

    /// <summary>The ids of the formats the hint names; empty when it names none.</summary>
    public IReadOnlyList<string> FormatIds { get; }

    /// <summary>The hint of a GitHub webhook's <c>X-GitHub-Event</c> header (<c>workflow_job</c> → <c>github-workflow-job</c>).</summary>
    public static PayloadHint GitHubEvent(string value) => Of("X-GitHub-Event", value, GitHubEvents);

    /// <summary>The hint of a GitLab webhook's <c>X-Gitlab-Event</c> header (<c>Pipeline Hook</c> → <c>gitlab-pipeline</c>).</summary>
    public static PayloadHint GitLabEvent(string value) => Of("X-Gitlab-Event", value, GitLabEvents);

    /// <summary>A hint that names one format by its id (as <c>--source</c> does), e.g. for a runner agent that knows what it sends.</summary>
    public static PayloadHint Format(string formatId)
    {
        ArgumentException.ThrowIfNullOrEmpty(formatId);
        return new PayloadHint("format", formatId, [formatId]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Header} '{PayloadSniffer.Shown(Value)}'";

    private static PayloadHint Of(string header, string value, Dictionary<string, string> formats)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.Trim();
        return new PayloadHint(header, trimmed, formats.TryGetValue(trimmed, out var id) ? [id] : []);
    }
}
