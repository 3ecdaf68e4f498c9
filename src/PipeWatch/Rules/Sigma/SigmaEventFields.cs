using System.Globalization;
using PipeWatch.Events;

namespace PipeWatch.Rules.Sigma;

/// <summary>An <see cref="Event"/> as Sigma rules see it: rule field names through a <see cref="SigmaFieldMapping"/>, then ECS names, then <see cref="Event.Fields"/>.</summary>
public sealed class SigmaEventFields : ISigmaFieldSource
{
    private readonly Event _e;
    private readonly SigmaFieldMapping _mapping;

    /// <summary>The event through <paramref name="mapping"/> (the built-in mapping when null).</summary>
    public SigmaEventFields(Event e, SigmaFieldMapping? mapping = null)
    {
        _e = e;
        _mapping = mapping ?? SigmaFieldMapping.Default;
    }

    /// <summary>How many regular-expression tests timed out on this event so far (each counted as no match).</summary>
    internal int RegexTimeouts { get; private set; }

    internal void CountRegexTimeout() => RegexTimeouts++;

    public bool TryGet(string field, out object? value)
    {
        foreach (var name in _mapping.Candidates(field))
        {
            var text = Known(name);
            if (text is null && !_e.Fields.TryGetValue(name, out text)) continue;
            value = text;
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerable<string> AllValues()
    {
        foreach (var name in KnownNames)
        {
            if (Known(name) is { } value) yield return value;
        }

        foreach (var value in _e.Fields.Values) yield return value;
    }

    private static readonly string[] KnownNames =
    [
        EventFields.Action, EventFields.Dataset, EventFields.UserName, EventFields.TargetUser, EventFields.Organization,
        EventFields.Repository, EventFields.Pipeline, EventFields.Job, EventFields.Branch, EventFields.Commit, EventFields.Platform,
        EventFields.SourceIp, EventFields.SourceCountry, EventFields.UserAgent, EventFields.Url, EventFields.Environment,
        EventFields.DeploymentTarget, EventFields.DeploymentState, EventFields.Service, EventFields.ServiceVersion,
    ];

    private string? Known(string name)
    {
        var e = _e;
        return name switch
        {
            EventFields.Action => e.Action,
            EventFields.Dataset => e.Dataset,
            EventFields.Kind => e.Kind.ToString(),
            EventFields.Outcome => e.Outcome.ToString().ToLowerInvariant(),
            EventFields.Timestamp => e.TimestampMissing ? null : e.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            EventFields.UserName => e.UserName,
            EventFields.TargetUser => e.TargetUser,
            EventFields.Organization => e.Organization,
            EventFields.Repository => Empty(e.Ci.Repository),
            EventFields.Pipeline => Empty(e.Ci.Pipeline),
            EventFields.RunId => Empty(e.Ci.RunId),
            EventFields.Job => e.Ci.Job,
            EventFields.Branch => e.Ci.Branch,
            EventFields.Commit => e.Ci.Commit,
            EventFields.Platform => e.Ci.Platform,
            EventFields.SourceIp => e.Client?.Ip,
            EventFields.SourceCountry => e.Client?.CountryCode,
            EventFields.UserAgent => e.Client?.UserAgent,
            EventFields.Url => e.Url,
            EventFields.Environment => e.Deployment?.Environment,
            EventFields.DeploymentTarget => e.Deployment?.Target,
            EventFields.DeploymentState => e.Deployment?.State,
            EventFields.Service => e.Deployment?.Service,
            EventFields.ServiceVersion => e.Deployment?.Version,
            _ => null,
        };
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
