using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The fields of a GitHub Actions job that <see cref="GitHubJob"/> maps, already read and typed (null when missing or mistyped).</summary>
/// <remarks>Filled from a <c>JsonElement</c> by <see cref="GitHubJob"/> or straight from the bytes by <see cref="GitHubWorkflowJobReader"/>, so both build the same event.</remarks>
internal struct GitHubJobFields
{
    public long? Id;
    public string? RunUrl;
    public string? Url;
    public string? Status;
    public DateTimeOffset? StartedAt;
    public DateTimeOffset? CompletedAt;
    public DateTimeOffset? CreatedAt;
    public long? RunAttempt;
    public string? Conclusion;
    public string? WorkflowName;
    public string? RunId;
    public string? Name;
    public string? HeadBranch;
    public string? HeadSha;
    public string? HtmlUrl;
    public IReadOnlyList<StepRecord> Steps;
}
