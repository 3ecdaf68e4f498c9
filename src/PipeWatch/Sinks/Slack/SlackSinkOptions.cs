namespace PipeWatch.Sinks.Slack;

/// <summary>Settings of <c>sink: slack</c>: the incoming webhook's URL (a secret: give it as <c>${env:NAME}</c>).</summary>
internal sealed record SlackSinkOptions
{
    public string Url { get; init; } = "";
}
