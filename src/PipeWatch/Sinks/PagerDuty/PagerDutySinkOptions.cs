namespace PipeWatch.Sinks.PagerDuty;

/// <summary>Settings of <c>sink: pagerduty</c>: the service integration's routing key (a secret) and, for tests or an EU account, the Events API URL.</summary>
internal sealed record PagerDutySinkOptions
{
    public const string DefaultUrl = "https://events.pagerduty.com/v2/enqueue";

    public string RoutingKey { get; init; } = "";

    public string Url { get; init; } = DefaultUrl;
}
