namespace PipeWatch.Events;

/// <summary>The field names of <see cref="Event"/> on the wire: ECS names where ECS has them, <c>ci.*</c> otherwise.</summary>
public static class EventFields
{
    public const string Timestamp = "@timestamp";
    public const string Kind = "event.kind";
    public const string Dataset = "event.dataset";
    public const string Action = "event.action";
    public const string Outcome = "event.outcome";
    public const string Start = "event.start";
    public const string End = "event.end";
    public const string Duration = "event.duration";
    public const string UserName = "user.name";
    public const string Url = "url.full";
    public const string Repository = "ci.repository";
    public const string Pipeline = "ci.pipeline";
    public const string RunId = "ci.run_id";
    public const string RunAttempt = "ci.run_attempt";
    public const string Job = "ci.job";
    public const string Step = "ci.step";
    public const string Branch = "ci.branch";
    public const string Commit = "ci.commit";
    public const string Platform = "ci.platform";
    public const string Organization = "organization.name";
    public const string SourceIp = "source.ip";
    public const string SourceCountry = "source.geo.country_iso_code";
    public const string UserAgent = "user_agent.original";
    public const string TargetUser = "user.target.name";
    public const string Environment = "deployment.environment";
    public const string DeploymentTarget = "deployment.target";
    public const string DeploymentState = "deployment.state";
    public const string Service = "service.name";
    public const string ServiceVersion = "service.version";
}
