using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Jenkins;

/// <summary>A Jenkins build as <c>/job/NAME/N/api/json</c> returns it (Pipeline or freestyle): one run event.</summary>
internal sealed class JenkinsBuildFormat : IPayloadFormat
{
    public string Id => "jenkins-build";

    public bool Recognizes(JsonElement root) =>
        root.String("_class") is { } type
        && (type.EndsWith("Run", StringComparison.Ordinal) || type.EndsWith("Build", StringComparison.Ordinal))
        && root.Int64("number") is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Int64("number") is not { } buildNumber)
        {
            context.Reject("no numeric 'number'");
            return;
        }

        var number = Invariant(buildNumber);
        var job = JenkinsJobNames.FromPath(root.String("url")) ?? JenkinsJobNames.FromDisplayName(root.String("fullDisplayName"));
        if (job is null)
        {
            context.Reject("no job name: neither a '/job/NAME/' 'url' nor a 'fullDisplayName' is present");
            return;
        }

        var result = root.String("result");
        var building = string.Equals(root.String("building"), "true", StringComparison.Ordinal);

        // Jenkins sets 'result' before post-build steps end; the build is final only when it is no longer building.
        var completed = !building && result is not null;
        var start = root.EpochMilliseconds("timestamp");
        var duration = completed && root.Int64("duration") is >= 0 and var ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        var end = start + duration;
        var timestamp = end ?? start;
        if (timestamp is null)
        {
            context.Reject("no 'timestamp' (the start, in milliseconds since the epoch)");
            return;
        }

        var git = FirstGitData(root);
        var revision = git?.Object("lastBuiltRevision");
        var remote = git?.Array("remoteUrls") is { } urls && urls.GetArrayLength() > 0 && urls[0].ValueKind == JsonValueKind.String ? urls[0].GetString() : null;
        var state = result ?? (building ? "BUILDING" : "UNKNOWN");
        context.Emit(new Event
        {
            Kind = EventKind.PipelineRun,
            Id = $"jenkins:build:{job}:{number}:{state}",
            Timestamp = timestamp.Value,
            Dataset = "jenkins.build",
            Action = state,
            Outcome = completed ? OutcomeNames.Parse(result) : Outcome.Unknown,
            Completed = completed,
            Ci = new CiContext(
                GitRemotes.RepositoryPath(remote) ?? job,
                job,
                number,
                Branch: BranchName(revision?.Array("branch") is { } branches && branches.GetArrayLength() > 0 ? branches[0].String("name") : null),
                Commit: revision?.String("SHA1"),
                Platform: JenkinsJobNames.Platform),
            UserName = FirstUserId(root),
            Start = start,
            End = end,
            Duration = duration,
            Url = string.IsNullOrEmpty(root.String("url")) ? null : root.String("url"),
            Origin = context.Origin,
        });
    }

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The first git plugin <c>BuildData</c> action: the job's own checkout (shared libraries add theirs after it).</summary>
    private static JsonElement? FirstGitData(JsonElement root)
    {
        if (root.Array("actions") is not { } actions) return null;
        foreach (var action in actions.EnumerateArray())
        {
            if (action.Object("lastBuiltRevision") is not null || action.Array("remoteUrls") is not null) return action;
        }

        return null;
    }

    /// <summary>The first cause naming a user (<c>hudson.model.Cause$UserIdCause</c>); SCM and timer causes have none.</summary>
    private static string? FirstUserId(JsonElement root)
    {
        if (root.Array("actions") is not { } actions) return null;
        foreach (var action in actions.EnumerateArray())
        {
            if (action.Array("causes") is not { } causes) continue;
            foreach (var cause in causes.EnumerateArray())
            {
                if (cause.String("userId") is { Length: > 0 } userId) return userId;
            }
        }

        return null;
    }

    /// <summary>"refs/remotes/origin/feature/x" or "origin/main" → the branch name without the remote.</summary>
    private static string? BranchName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        if (name.StartsWith("refs/remotes/", StringComparison.Ordinal))
        {
            var rest = name["refs/remotes/".Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            return slash >= 0 ? rest[(slash + 1)..] : rest;
        }

        if (name.StartsWith("refs/heads/", StringComparison.Ordinal)) return name["refs/heads/".Length..];
        return name.StartsWith("origin/", StringComparison.Ordinal) ? name["origin/".Length..] : name;
    }
}
