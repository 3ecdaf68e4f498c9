using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Server.Intake;
using Polly;
using Polly.Retry;

namespace PipeWatch.Server.Following;

/// <summary>
/// What the watch mode does after a payload is read: a push to a followed repository fetches its mirror and scans the pushed
/// commits (<see cref="RepositoryFollower"/>); a completed GitHub <c>workflow_job</c> or GitLab job downloads the job's log into the
/// intake queue, where the log detectors read it like any payload.
/// </summary>
/// <remarks>
/// Work runs off the engine's task, one repository at a time each; failures are retried with backoff (Polly), then reported and
/// counted (<c>pipewatch_follow_failures_total</c>), never dropped silently. Thread-safe.
/// </remarks>
internal sealed class FollowUps
{
    private const int MaxLogBytes = 64 << 20;
    private readonly ServerSettings _settings;
    private readonly IntakeQueue _queue;
    private readonly ServerMetrics _metrics;
    private readonly string? _gitHubToken;
    private readonly Dictionary<string, RepositoryFollower> _repositories;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stop = new();

    public FollowUps(ServerSettings settings, string storePath, IntakeQueue queue, ServerMetrics metrics, string? gitHubToken)
    {
        _settings = settings;
        _queue = queue;
        _metrics = metrics;
        _gitHubToken = gitHubToken;
        var mirrors = Path.Combine(Path.GetDirectoryName(storePath)!, "mirrors");
        _repositories = settings.Config.Serve.Repositories.ToDictionary(
            r => r.Name, r => new RepositoryFollower(r, mirrors, settings, storePath, metrics), StringComparer.OrdinalIgnoreCase);
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 }) { Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("pipewatch-serve");
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => r.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError || IsRateLimited(r)),
                // GitHub's rate limit: wait for Retry-After, or until x-ratelimit-reset, within reason.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RateLimitDelay(r) : null),
            })
            .Build();
    }

    /// <summary>Fetches, scans and downloads under way (pollers included).</summary>
    public int Running => _running.Count;

    /// <summary>Starts the pollers of repositories that ask for one.</summary>
    public void Start()
    {
        foreach (var follower in _repositories.Values.Where(f => f.Repository.Poll is not null)) Track(follower.PollAsync(_stop.Token));
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
            // Stopping: a fetch or download in flight ends here; its payload stays in the queue or is fetched again.
        }
    }

    /// <summary>Called by the intake source with each row and its events (on the engine's reading task: it only starts work).</summary>
    public void Observe(IntakeRow row, IReadOnlyList<Event> events)
    {
        if (row.Item.Kind != IntakeKinds.Payload || row.Item.Hint is not { } hint) return;
        switch (hint)
        {
            case "github:push":
            case "gitlab:Push Hook":
                if (Push.Read(row.Item.Body, hint.StartsWith("gitlab", StringComparison.Ordinal)) is { } push && _repositories.TryGetValue(push.Repository, out var follower))
                {
                    Track(follower.OnPushAsync(push, _stop.Token));
                }

                break;
            case "github:workflow_job":
                if (_gitHubToken is not null && GitHubJob(row.Item.Body) is { } job) Track(DownloadGitHubLogAsync(job, _stop.Token));
                break;
        }
    }

    private void Track(Task task)
    {
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task DownloadGitHubLogAsync(CompletedJob job, CancellationToken cancellationToken)
    {
        var url = $"{_settings.Config.Serve.GitHubApiUrl}/repos/{job.Repository}/actions/jobs/{job.Id}/logs";
        try
        {
            using var response = await _retry.ExecuteAsync(
                async ct =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _gitHubToken);
                    request.Headers.Accept.ParseAdd("application/vnd.github+json");
                    request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
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

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            // Named as a GitHub log download names it (logs_RUN/JOB.txt), so the log's run and job are known; the delivery id makes a
            // redelivered webhook's second download a refused replay.
            var name = $"{job.Repository}/logs_{job.RunId}/{Safe(job.Name)}.txt";
            var item = new IntakeItem(
                IntakeKinds.JobLog, "github", $"job-log-{job.Id}-{job.Attempt}", "github-actions-log", name, body, _settings.Time.GetUtcNow().ToUnixTimeMilliseconds());
            if (await _queue.EnqueueAsync(item).ConfigureAwait(false) == EnqueueOutcome.Full) Failed("job-log", url, "the intake backlog is full; the log was not queued");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Failed("job-log", url, ex.Message);
        }
    }

    private void Failed(string what, string where, string reason)
    {
        _metrics.FollowFailures.WithLabels(what).Inc();
        _settings.Problems.Report(new Problem(where, $"{what} download failed after retries: {reason}"));
    }

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static bool IsRateLimited(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden && response.Headers.TryGetValues("x-ratelimit-remaining", out var left) && left.FirstOrDefault() == "0";

    private static TimeSpan? RateLimitDelay(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter?.Delta is { } delta) return Cap(delta);
        if (response.Headers.TryGetValues("x-ratelimit-reset", out var reset) && long.TryParse(reset.FirstOrDefault(), CultureInfo.InvariantCulture, out var epoch))
        {
            return Cap(DateTimeOffset.FromUnixTimeSeconds(epoch) - DateTimeOffset.UtcNow);
        }

        return null;
    }

    private static TimeSpan Cap(TimeSpan delay) => delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromMinutes(15) ? TimeSpan.FromMinutes(15) : delay;

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
            if (repository is null || !repository.Contains('/', StringComparison.Ordinal) || repository.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/'))) return null;
            return new CompletedJob(
                repository, job.GetProperty("id").GetInt64(), job.GetProperty("run_id").GetInt64(),
                job.TryGetProperty("run_attempt", out var attempt) && attempt.ValueKind == JsonValueKind.Number ? attempt.GetInt32() : 1,
                job.TryGetProperty("name", out var name) ? name.GetString() ?? "job" : "job");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private sealed record CompletedJob(string Repository, long Id, long RunId, int Attempt, string Name);
}

/// <summary>What a push webhook says: the repository, the branch, the commits before and after, and whether it was forced.</summary>
internal sealed record Push(string Repository, string Ref, string Before, string After, bool Forced)
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
            return new Push(repository, root.TryGetProperty("ref", out var r) ? r.GetString() ?? "" : "", before!, after!, forced);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsSha(string? text) => text is { Length: 40 } && text.All(char.IsAsciiHexDigitLower);
}
