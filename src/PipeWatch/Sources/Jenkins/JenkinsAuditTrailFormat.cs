using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using PipeWatch.Events;

namespace PipeWatch.Sources.Jenkins;

/// <summary>A line of the Jenkins Audit Trail plugin's log file (<c>audit-trail-plugin</c>'s file and daily-rotation loggers): one audit event.</summary>
/// <remarks>
/// A line is the plugin's date (<c>MMM d, yyyy h:mm:ss,SSS aa</c>, or without milliseconds in versions before 3.0), the
/// default separator (a space) and one of the messages it writes: an audited request (<c>/job/x/configSubmit by alice</c>),
/// a build start (<c>job/x/ #12 Started by user alice, Parameters:[]</c>), a finished build (<c>x #12 … completed: SUCCESS</c>),
/// a login or logout, or a use of credentials. The date has no zone (the plugin writes the Jenkins host's local time):
/// it is read as UTC. Build parameters are not kept.
/// </remarks>
internal sealed partial class JenkinsAuditTrailFormat : ILineFormat
{
    public const string Dataset = "jenkins.audit_trail";
    public const string UriField = "jenkins.uri";
    public const string CauseField = "jenkins.cause";
    public const string NodeField = "jenkins.node";
    public const string CredentialsField = "jenkins.credentials_id";

    private static readonly string[] DateFormats = ["MMM d, yyyy h:mm:ss,fff tt", "MMM d, yyyy h:mm:ss tt"];

    public string Id => "jenkins-audit-trail";

    public bool Recognizes(string line) => Line().IsMatch(line);

    public bool TryRead(string line, Origin origin, [NotNullWhen(true)] out Event? e, [NotNullWhen(false)] out string? reason)
    {
        e = null;
        line = line.TrimEnd();
        var match = Line().Match(line);
        if (!match.Success)
        {
            reason = "not an audit trail line: no 'MMM d, yyyy h:mm:ss[,SSS] AM|PM' date at its start";
            return false;
        }

        // Newer JDKs put a narrow no-break space before AM/PM.
        var date = match.Groups["date"].Value.Replace('\u202F', ' ').Replace('\u00A0', ' ');
        if (!DateTime.TryParseExact(date, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            reason = $"not a valid date: '{match.Groups["date"].Value}'";
            return false;
        }

        var message = match.Groups["message"].Value;
        var template = new Event
        {
            Kind = EventKind.Audit,
            Id = "jenkins:audit:" + XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(line)).ToString("x16", CultureInfo.InvariantCulture),
            Timestamp = new DateTimeOffset(time, TimeSpan.Zero),
            Dataset = Dataset,
            Ci = CiContext.ForRepository(null, JenkinsJobNames.Platform),
            Origin = origin,
        };

        e = Auth(message, template) ?? BuildStarted(message, template) ?? BuildCompleted(message, template) ?? Credentials(message, template) ?? Request(message, template);
        reason = e is null ? $"not an audit trail message this reader knows: '{Shorten(message)}'" : null;
        return e is not null;
    }

    private static Event? Auth(string message, Event template)
    {
        var match = AuthMessage().Match(message);
        if (!match.Success) return null;
        var (action, outcome) = match.Groups["what"].Value switch
        {
            "Successful login" => ("jenkins.login", Outcome.Success),
            "Failed login attempt" => ("jenkins.failed_login", Outcome.Failure),
            _ => ("jenkins.logout", Outcome.Success),
        };
        return template with { Action = action, Outcome = outcome, UserName = match.Groups["user"].Value };
    }

    private static Event? BuildStarted(string message, Event template)
    {
        var match = BuildStartedMessage().Match(message);
        if (!match.Success || JenkinsJobNames.FromPath("/" + match.Groups["job"].Value) is not { } job) return null;
        var cause = WithoutParameters(match.Groups["cause"].Value);
        return template with
        {
            Action = "jenkins.build_started",
            Ci = new CiContext(job, job, match.Groups["number"].Value, Platform: JenkinsJobNames.Platform),
            UserName = StartedBy(cause),
            Fields = new Dictionary<string, string> { [UriField] = match.Groups["job"].Value, [CauseField] = cause },
        };
    }

    private static Event? BuildCompleted(string message, Event template)
    {
        var match = BuildCompletedMessage().Match(message);
        if (!match.Success || JenkinsJobNames.FromDisplayName(match.Groups["name"].Value) is not { } job) return null;
        var cause = WithoutParameters(match.Groups["cause"].Value);
        var start = DateTimeOffset.TryParse(match.Groups["start"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var s) ? s : (DateTimeOffset?)null;
        var duration = long.TryParse(match.Groups["ms"].Value, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        return template with
        {
            Action = "jenkins.build_completed",
            Outcome = OutcomeNames.Parse(match.Groups["result"].Value),
            Completed = true,
            Ci = new CiContext(job, job, match.Groups["number"].Value, Platform: JenkinsJobNames.Platform),
            UserName = StartedBy(cause),
            Start = start,
            End = start + duration,
            Duration = duration,
            Fields = new Dictionary<string, string> { [CauseField] = cause, [NodeField] = match.Groups["node"].Value },
        };
    }

    private static Event? Credentials(string message, Event template)
    {
        var match = CredentialsMessage().Match(message);
        if (!match.Success) return null;
        var item = match.Groups["item"].Value;
        var fields = new Dictionary<string, string>();
        if (match.Groups["id"].Success) fields[CredentialsField] = match.Groups["id"].Value;
        var ci = template.Ci;
        var hash = item.LastIndexOf('#');
        if (hash > 0 && item[(hash + 1)..].All(char.IsAsciiDigit) && hash < item.Length - 1)
        {
            ci = new CiContext(item[..hash], item[..hash], item[(hash + 1)..], Platform: JenkinsJobNames.Platform);
        }
        else if (match.Groups["type"].Value.Contains("Job", StringComparison.Ordinal) || match.Groups["type"].Value.Contains("Project", StringComparison.Ordinal))
        {
            ci = new CiContext(item, item, string.Empty, Platform: JenkinsJobNames.Platform);
        }
        else
        {
            fields[NodeField] = item;
        }

        return template with { Action = "jenkins.credentials_used", Ci = ci, Fields = fields };
    }

    private static Event? Request(string message, Event template)
    {
        var match = RequestMessage().Match(message);
        if (!match.Success) return null;
        var uri = match.Groups["uri"].Value;
        var user = match.Groups["user"].Value;

        // The plugin names an anonymous request by its remote address; a queue item request names its task after the URI.
        var anonymous = IPAddress.TryParse(user, out _);
        var job = JenkinsJobNames.FromPath(uri) ?? (match.Groups["task"].Success ? JenkinsJobNames.FromPath("/" + match.Groups["task"].Value) : null);
        var ci = job is null ? template.Ci : new CiContext(job, job, RunNumber(uri) ?? string.Empty, Platform: JenkinsJobNames.Platform);
        return template with
        {
            Action = "jenkins." + ActionName(uri),
            Ci = ci,
            UserName = anonymous ? null : user,
            Client = anonymous ? new Client(Ip: user) : null,
            Fields = new Dictionary<string, string> { [UriField] = uri },
        };
    }

    /// <summary>"/job/x/configSubmit" → config_submit; "/job/x/doDelete" → delete; the login form's target → login.</summary>
    private static string ActionName(string uri)
    {
        var segment = uri.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(s => !s.All(char.IsAsciiDigit)) ?? "request";
        if (segment is "j_spring_security_check" or "j_acegi_security_check" or "securityRealm") return "login";
        if (segment.Length > 2 && segment.StartsWith("do", StringComparison.Ordinal) && char.IsAsciiLetterUpper(segment[2])) segment = segment[2..];
        var name = new StringBuilder(segment.Length + 4);
        foreach (var c in segment)
        {
            if (char.IsAsciiLetterUpper(c) && name.Length > 0) name.Append('_');
            name.Append(char.IsAsciiLetter(c) || char.IsAsciiDigit(c) ? char.ToLowerInvariant(c) : '_');
        }

        return name.ToString();
    }

    /// <summary>The build number right after the innermost job name ("/job/a/12/stop" → 12), or null.</summary>
    private static string? RunNumber(string uri)
    {
        var segments = uri.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = Array.LastIndexOf(segments, "job");
        return last >= 0 && last + 2 < segments.Length && segments[last + 2].All(char.IsAsciiDigit) ? segments[last + 2] : null;
    }

    /// <summary>The user of a "Started by user NAME" cause, or null (timer, SCM change, upstream…).</summary>
    private static string? StartedBy(string cause)
    {
        var match = StartedByUser().Match(cause);
        return match.Success ? match.Groups["user"].Value : null;
    }

    /// <summary>The causes without the ", Parameters:[…]" the plugin appends since 3.3: parameter values are not kept.</summary>
    private static string WithoutParameters(string cause)
    {
        var at = cause.IndexOf(", Parameters:[", StringComparison.Ordinal);
        return at >= 0 ? cause[..at] : cause;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    [GeneratedRegex(@"^(?<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2}(?:,\d{3})?[ \u00A0\u202F][AP]M) (?<message>\S.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Line();

    [GeneratedRegex(@"^(?<what>Successful login|Failed login attempt|Logout) for user '(?<user>.*)'$", RegexOptions.CultureInvariant)]
    private static partial Regex AuthMessage();

    [GeneratedRegex(@"^(?<job>(?:job/[^/]+/)+) #(?<number>\d+) (?<cause>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex BuildStartedMessage();

    [GeneratedRegex(@"^(?<name>.+?) #(?<number>\d+) (?<cause>.*) on node (?<node>.*) started at (?<start>\S+) completed in (?<ms>\d+)ms completed: (?<result>[A-Z_]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex BuildCompletedMessage();

    [GeneratedRegex(@"^'(?<item>[^']*)' \((?<type>[^)]*)\) used (?:credentials '(?<id>[^']*)'|credentials of type|an unsupported)", RegexOptions.CultureInvariant)]
    private static partial Regex CredentialsMessage();

    [GeneratedRegex(@"^(?<uri>/.*?)(?: \((?<task>[^()]*)\))? by (?<user>[^ ]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RequestMessage();

    [GeneratedRegex(@"Started by user (?<user>[^,]+)", RegexOptions.CultureInvariant)]
    private static partial Regex StartedByUser();
}
