namespace PipeWatch.Events;

/// <summary>The field names of <see cref="Event"/> on the wire: ECS names where ECS has them, <c>ci.*</c> otherwise.</summary>
internal static class EventFields
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

    /// <summary>In <see cref="Event.Fields"/>: the deployment this event belongs to, platform-prefixed, shared by all its status events.</summary>
    public const string DeploymentId = "deployment.id";

    /// <summary>In <see cref="Event.Fields"/>: on a deployment review event, requested, approved or rejected; on a deployment, "skipped" or "bypassed" when the source says its required review was not given.</summary>
    public const string DeploymentReview = "deployment.review";

    /// <summary>In <see cref="Event.Fields"/>: the account type the source reports (<c>bot</c>, <c>user</c>, <c>service-account</c>).</summary>
    public const string UserType = "user.type";
}
