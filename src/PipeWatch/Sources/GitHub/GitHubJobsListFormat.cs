using System.Text.Json;

namespace PipeWatch.Sources.GitHub;

/// <summary>The REST response of <c>GET /repos/{owner}/{repo}/actions/runs/{id}/jobs</c> (<c>gh api</c>): <c>total_count</c> and <c>jobs[]</c>.</summary>
internal sealed class GitHubJobsListFormat : IListPayloadFormat
{
    public string Id => "github-jobs-list";

    public string ListProperty => "jobs";

    public bool Recognizes(JsonElement root) => root.Array("jobs"u8) is not null && root.Int64("total_count"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Array("jobs"u8) is not { } jobs)
        {
            context.Reject("no 'jobs' array");
            return;
        }

        var index = 0;
        foreach (var job in jobs.EnumerateArray())
        {
            ReadElement(job, index++, context);
            if (context.Rejection is not null) return;
        }
    }

    public void ReadElement(JsonElement element, int index, PayloadContext context)
    {
        var e = GitHubJob.ToEvent(element, repository: null, sender: null, action: null, "github.jobs", context.Origin, out var rejection);
        if (e is null)
        {
            context.Reject($"jobs[{index}]: {rejection}");
            return;
        }

        context.Emit(e);
    }
}
