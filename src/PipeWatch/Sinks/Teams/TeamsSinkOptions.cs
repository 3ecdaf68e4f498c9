namespace PipeWatch.Sinks.Teams;

/// <summary>Settings of <c>sink: teams</c>: the URL of a Teams Workflows (Power Automate) "post to a channel when a webhook request is received" flow (a secret).</summary>
internal sealed record TeamsSinkOptions
{
    public string Url { get; init; } = "";
}
