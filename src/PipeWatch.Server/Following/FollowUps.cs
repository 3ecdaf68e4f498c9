using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Server.Intake;

namespace PipeWatch.Server.Following;

/// <summary>
/// What the watch mode does after a payload is read: a push to a followed repository fetches its mirror and scans the pushed
/// commits (<see cref="RepositoryFollower"/>); a completed GitHub <c>workflow_job</c> or GitLab job (<c>build</c>) downloads the job's
/// log into the intake queue, where the log detectors read it like any payload. Also runs the audit-log pollers.
/// </summary>
/// <remarks>
/// Each follow-up is recorded in the intake queue's file (synced) before the payload that asked for it can be deleted, and forgotten
/// once it has run, so one that a crash interrupted runs again at the next start. Work runs off the engine's task, one repository at
/// a time each; failures are retried with backoff (Polly), then reported and counted (<c>pipewatch_follow_failures_total</c>), never
/// dropped silently. Thread-safe.
/// </remarks>
internal sealed class FollowUps : IDisposable
{
    private const int MaxLogBytes = 64 << 20;
    private readonly ServerSettings _settings;
    private readonly IntakeQueue _queue;
    private readonly ServerMetrics _metrics;
    private readonly string? _gitHubToken;
    private readonly string? _gitLabToken;
    private readonly Dictionary<string, RepositoryFollower> _repositories;
    private readonly List<AuditLogPoller> _pollers;
    private readonly ApiClient _api;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentDictionary<string, byte> _active = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public FollowUps(ServerSettings settings, ServeFiles local, IntakeQueue queue, ServerMetrics metrics, string? gitHubToken, string? gitLabToken)
    {
        _settings = settings;
        _queue = queue;
        _metrics = metrics;
        _gitHubToken = gitHubToken;
        _gitLabToken = gitLabToken;
        var mirrors = Path.Combine(local.Folder, "mirrors");
        _repositories = settings.Config.Serve.Repositories.ToDictionary(
            r => r.Name, r => new RepositoryFollower(r, mirrors, settings, local.StoreLocation, metrics), StringComparer.OrdinalIgnoreCase);
        _api = new ApiClient(settings.Time);
        _pollers = [.. settings.Config.Serve.AuditLogs.Select(a => new AuditLogPoller(a, _api, queue, settings, metrics))];
    }

    /// <summary>Fetches, scans and downloads under way (pollers included).</summary>
    public int Running => _running.Count;

    /// <summary>Runs again the follow-ups a crash interrupted, then starts the pollers of repositories and audit logs.</summary>
    public void Start()
    {
        foreach (var (key, hint, body) in _queue.PendingFollowUps()) Run(key, hint, body);
        foreach (var follower in _repositories.Values.Where(f => f.Repository.Poll is not null)) Track(follower.PollAsync(_stop.Token));
        foreach (var poller in _pollers) Track(poller.RunAsync(_stop.Token));
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Keys);
        }
        catch (OperationCanceledException)
        {
            // Stopping: a fetch or download in flight ends here; it stays recorded and runs again at the next start.
        }
    }

    public void Dispose()
    {
        _api.Dispose();
        _stop.Dispose();
    }

    /// <summary>Called by the intake source with each row and its events (on the engine's reading task: it records and starts work, no more).</summary>
    public void Observe(IntakeRow row, IReadOnlyList<Event> events)
    {
        var item = row.Item;
        if (item.Kind != IntakeKinds.Payload || item.Hint is not { } hint || !Wanted(hint, item.Body)) return;
        // Keyed by the delivery (or the bytes): a payload read again after a restart records its follow-up once.
        var key = $"{hint}|{item.Platform}/{item.Delivery ?? Convert.ToHexStringLower(SHA256.HashData(item.Body))}";
        if (_queue.RememberFollowUp(key, hint, item.Body, _settings.Time.GetUtcNow().ToUnixTimeMilliseconds())) Run(key, hint, item.Body);
    }

    /// <summary>Whether a payload asks for a follow-up that can run here (a followed repository, a token for the API).</summary>
    private bool Wanted(string hint, byte[] body) => hint switch
    {
        "github:push" or "gitlab:Push Hook" => Push.Read(body, hint.StartsWith("gitlab", StringComparison.Ordinal)) is { } push && _repositories.ContainsKey(push.Repository),
        "github:workflow_job" => _gitHubToken is not null && GitHubJob(body) is not null,
        "gitlab:Job Hook" => _gitLabToken is not null && GitLabJob(body) is not null,
        _ => false,
    };

    private void Run(string key, string hint, byte[] body)
    {
        // Once at a time: a row queued again at start is read while the recorded follow-ups are being started.
        if (!_active.TryAdd(key, 0)) return;
        Task? work = hint switch
        {
            "github:push" or "gitlab:Push Hook" when Push.Read(body, hint.StartsWith("gitlab", StringComparison.Ordinal)) is { } push
                && _repositories.TryGetValue(push.Repository, out var follower) => follower.OnPushAsync(push, _stop.Token),
            "github:workflow_job" when _gitHubToken is not null && GitHubJob(body) is { } job => DownloadGitHubLogAsync(job, _stop.Token),
            "gitlab:Job Hook" when _gitLabToken is not null && GitLabJob(body) is { } job => DownloadGitLabTraceAsync(job, _stop.Token),
            _ => null,
        };
        if (work is null)
        {
            // Recorded, but it cannot run now (the repository is no longer followed, the token is gone): reported, not kept forever.
            _settings.Problems.Report(new Problem(key, "a recorded follow-up cannot run with the current configuration; dropped"));
            _queue.ForgetFollowUp(key);
            _active.TryRemove(key, out _);
            return;
        }

        Track(ForgetWhenDoneAsync(key, work));
    }

    private async Task ForgetWhenDoneAsync(string key, Task work)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return; // stopping: kept, and run again at the next start
        }
        catch (Exception ex)
        {
            _metrics.FollowFailures.WithLabels("follow-up").Inc();
            _settings.Problems.Report(new Problem(key, $"follow-up failed: {ex.GetType().Name}: {ex.Message}"));
        }

        _queue.ForgetFollowUp(key);
        _active.TryRemove(key, out _);
    }

    private void Track(Task task)
    {
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private Task DownloadGitHubLogAsync(CompletedJob job, CancellationToken cancellationToken) =>
        DownloadLogAsync(
            $"{_settings.Config.Serve.GitHubApiUrl}/repos/{job.Repository}/actions/jobs/{job.Id}/logs",
            request =>
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _gitHubToken);
                request.Headers.Accept.ParseAdd("application/vnd.github+json");
                request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
            },
            // Named as a GitHub log download names it (logs_RUN/JOB.txt), so the log's run and job are known; the delivery id makes a
            // redelivered webhook's second download a refused replay.
            new IntakeItem(IntakeKinds.JobLog, "github", $"job-log-{job.Id}-{job.Attempt}", "github-actions-log", $"{job.Repository}/logs_{job.RunId}/{Safe(job.Name)}.txt", [], 0),
            cancellationToken);

    private Task DownloadGitLabTraceAsync(CompletedJob job, CancellationToken cancellationToken) =>
        DownloadLogAsync(
            $"{_settings.Config.Serve.GitLabApiUrl}/projects/{job.ProjectId}/jobs/{job.Id}/trace",
            request => request.Headers.Add("PRIVATE-TOKEN", _gitLabToken),
            new IntakeItem(IntakeKinds.JobLog, "gitlab", $"job-trace-{job.ProjectId}-{job.Id}", "gitlab-job-trace", $"{job.Repository}/logs_{job.RunId}/{Safe(job.Name)}.txt", [], 0),
            cancellationToken);

    /// <summary>Downloads a job's log and queues it as <paramref name="template"/> (its body and time filled in).</summary>
    private async Task DownloadLogAsync(string url, Action<HttpRequestMessage> prepare, IntakeItem template, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _api.GetAsync(url, prepare, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Failed("job-log", url, $"HTTP {(int)response.StatusCode}");
                return;
            }

            if (response.Content.Headers.ContentLength > MaxLogBytes)
            {
                Failed("job-log", url, $"the log is larger than {MaxLogBytes} bytes; not read");
                return;
            }

            var body = await ReadBoundedAsync(response.Content, MaxLogBytes, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                Failed("job-log", url, $"the log is larger than {MaxLogBytes} bytes; not read");
                return;
            }

            var item = template with { Body = body, Received = _settings.Time.GetUtcNow().ToUnixTimeMilliseconds() };
            if (await _queue.EnqueueAsync(item).ConfigureAwait(false) == EnqueueOutcome.Full) Failed("job-log", url, "the intake backlog is full; the log was not queued");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Failed("job-log", url, ex.Message);
        }
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (a chunked answer gives no length first).</summary>
    internal static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > limit) return null;
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private void Failed(string what, string where, string reason)
    {
        _metrics.FollowFailures.WithLabels(what).Inc();
        _settings.Problems.Report(new Problem(where, $"{what} download failed after retries: {reason}"));
    }

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static bool SafeRepository(string? repository) =>
        repository is not null && repository.Contains('/', StringComparison.Ordinal) && repository.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');

    /// <summary>A completed GitHub job from a <c>workflow_job</c> body, or null for any other action.</summary>
    private static CompletedJob? GitHubJob(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.GetProperty("action").GetString() != "completed") return null;
            var job = root.GetProperty("workflow_job");
            var repository = root.GetProperty("repository").GetProperty("full_name").GetString();
            if (!SafeRepository(repository)) return null;
            return new CompletedJob(
                repository!, job.GetProperty("id").GetInt64(), job.GetProperty("run_id").GetInt64(),
                job.TryGetProperty("run_attempt", out var attempt) && attempt.ValueKind == JsonValueKind.Number ? attempt.GetInt32() : 1,
                job.TryGetProperty("name", out var name) ? name.GetString() ?? "job" : "job");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>A finished GitLab job from a Job Hook (<c>object_kind: build</c>) whose status is final (success, failed, canceled), or null.</summary>
    private static CompletedJob? GitLabJob(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.GetProperty("object_kind").GetString() != "build") return null;
            if (root.GetProperty("build_status").GetString() is not ("success" or "failed" or "canceled")) return null;
            var projectId = root.GetProperty("project_id").GetInt64();
            // The project's path: path_with_namespace (newer hooks), else the path of repository.homepage.
            var repository = root.TryGetProperty("project", out var project) && project.ValueKind == JsonValueKind.Object
                && project.TryGetProperty("path_with_namespace", out var path) ? path.GetString() : null;
            if (repository is null && root.TryGetProperty("repository", out var repo) && repo.ValueKind == JsonValueKind.Object
                && repo.TryGetProperty("homepage", out var homepage) && Uri.TryCreate(homepage.GetString(), UriKind.Absolute, out var uri))
            {
                repository = uri.AbsolutePath.Trim('/');
            }

            if (!SafeRepository(repository)) repository = $"gitlab-project-{projectId}";
            return new CompletedJob(
                repository!, root.GetProperty("build_id").GetInt64(),
                root.TryGetProperty("pipeline_id", out var pipeline) && pipeline.ValueKind == JsonValueKind.Number ? pipeline.GetInt64() : 0,
                1, root.TryGetProperty("build_name", out var name) ? name.GetString() ?? "job" : "job", projectId);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private sealed record CompletedJob(string Repository, long Id, long RunId, int Attempt, string Name, long ProjectId = 0);
}

/// <summary>What a push webhook says: the repository, the branch, the commits before and after, whether it was forced (GitHub says so; for GitLab the mirror tells), who pushed, and the default branch.</summary>
internal sealed record Push(string Repository, string Ref, string Before, string After, bool Forced, string? Pusher = null, string? DefaultBranch = null)
{
    public const string Zero = "0000000000000000000000000000000000000000";

    public static Push? Read(byte[] body, bool gitLab)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var repository = gitLab
                ? root.GetProperty("project").GetProperty("path_with_namespace").GetString()
                : root.GetProperty("repository").GetProperty("full_name").GetString();
            var before = root.GetProperty("before").GetString();
            var after = root.GetProperty("after").GetString();
            if (repository is null || !IsSha(before) || !IsSha(after)) return null;
            var forced = !gitLab && root.TryGetProperty("forced", out var f) && f.ValueKind == JsonValueKind.True;
            var pusher = gitLab
                ? Text(root, "user_username") ?? Text(root, "user_name")
                : (root.TryGetProperty("sender", out var sender) && sender.ValueKind == JsonValueKind.Object ? Text(sender, "login") : null)
                  ?? (root.TryGetProperty("pusher", out var p) && p.ValueKind == JsonValueKind.Object ? Text(p, "name") : null);
            var home = gitLab ? root.GetProperty("project") : root.GetProperty("repository");
            var defaultBranch = home.ValueKind == JsonValueKind.Object ? Text(home, "default_branch") : null;
            return new Push(repository, root.TryGetProperty("ref", out var r) ? r.GetString() ?? "" : "", before!, after!, forced, pusher, defaultBranch);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static bool IsSha(string? text) => text is { Length: 40 } && text.All(char.IsAsciiHexDigitLower);
}
