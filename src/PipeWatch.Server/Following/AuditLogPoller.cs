using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Server.Intake;

namespace PipeWatch.Server.Following;

/// <summary>
/// Polls one audit log through its REST API and puts each new page into the intake queue, where the audit formats
/// (<c>github-audit</c>, <c>gitlab-audit</c>) read it like any payload; the cursor is written in the same transaction as the page,
/// so a restart neither misses nor repeats entries.
/// </summary>
/// <remarks>
/// GitHub (<c>GET /orgs/ORG/audit-log</c>, <c>/enterprises/SLUG/audit-log</c>): oldest first (<c>order=asc</c>), <c>per_page</c>,
/// <c>phrase</c>; the next page's <c>after</c> cursor comes from the <c>Link</c> header and is the stored cursor. The last page (no
/// next link) is asked for again at the next poll, with the entries that came since; a page seen before is refused as a replay and
/// the ledger skips entries seen before, so each entry is processed once. The first poll reaches back <c>since</c> (a
/// <c>created:&gt;=</c> phrase).
/// GitLab (<c>GET /audit_events</c>, <c>/groups/ID/audit_events</c>, <c>/projects/ID/audit_events</c>): keyset pages by id, oldest
/// first (<c>pagination=keyset&amp;order_by=id&amp;sort=asc</c>), from <c>created_after</c> of the last entry seen; the next page is the
/// <c>Link</c> header's (on the API's own host only), else <c>X-Next-Page</c>; entries at or below the stored id are dropped; the
/// cursor is the last id and its time.
/// Pages per poll are bounded (the rest comes at the next poll); answers are read up to 32 MB. Failures are retried (Polly, with
/// <c>Retry-After</c> and the rate-limit reset), then reported and counted; the next poll tries again from the cursor.
/// </remarks>
internal sealed class AuditLogPoller(AuditLogPoll poll, ApiClient api, IntakeQueue queue, ServerSettings settings, ServerMetrics metrics)
{
    private const int MaxPagesPerPoll = 50;
    private const int MaxPageBytes = 32 << 20;

    public AuditLogPoll Poll => poll;

    /// <summary>The key of its cursor in the intake queue's <c>cursors</c> table.</summary>
    public string CursorName => $"audit:{poll.Name}";

    /// <summary>Polls now and then at the interval, until stopped.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(poll.Interval, settings.Time);
        do
        {
            try
            {
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Failed(poll.Path, $"{ex.GetType().Name}: {ex.Message}");
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reads what is new since the cursor (up to a bound of pages) into the intake queue; returns the pages queued.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        var token = settings.Environment(poll.TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            Failed(poll.Path, $"no token: set {poll.TokenVariable}");
            return 0;
        }

        return poll.Platform == "github"
            ? await PollGitHubAsync(token, cancellationToken).ConfigureAwait(false)
            : await PollGitLabAsync(token, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> PollGitHubAsync(string token, CancellationToken cancellationToken)
    {
        var baseUrl = $"{settings.Config.Serve.GitHubApiUrl}/{poll.Path}";
        var after = queue.Cursor(CursorName);
        var phrase = poll.Phrase;
        if (after is null)
        {
            var since = (settings.Time.GetUtcNow() - poll.Since).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            phrase = string.IsNullOrWhiteSpace(phrase) ? $"created:>={since}" : $"{phrase} created:>={since}";
        }

        var queued = 0;
        for (var page = 0; page < MaxPagesPerPoll; page++)
        {
            var url = $"{baseUrl}?per_page={poll.PerPage}&order=asc"
                + (string.IsNullOrWhiteSpace(phrase) ? "" : $"&phrase={Uri.EscapeDataString(phrase)}")
                + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}");
            using var response = await api.GetAsync(url, request =>
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Headers.Accept.ParseAdd("application/vnd.github+json");
                request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
            }, cancellationToken).ConfigureAwait(false);
            var body = await BodyAsync(response, url, cancellationToken).ConfigureAwait(false);
            if (body is null) return queued;
            var entries = Entries(body, url);
            if (entries is null or { Count: 0 }) return queued;

            // The cursor moves to the next page's; on the last page it stays, so that page is asked for again with what comes later.
            var next = Query(NextLink(response), "after");
            var cursor = next ?? after;
            if (!await QueueAsync("github", body, cursor, cancellationToken).ConfigureAwait(false)) return queued;
            queued++;
            if (next is null || next == after) return queued;
            after = next;
            phrase = poll.Phrase; // the cursor bounds the pages now
        }

        return queued;
    }

    private async Task<int> PollGitLabAsync(string token, CancellationToken cancellationToken)
    {
        var apiUrl = settings.Config.Serve.GitLabApiUrl;
        var (lastId, lastTime) = GitLabCursor(queue.Cursor(CursorName));
        var createdAfter = lastTime ?? (settings.Time.GetUtcNow() - poll.Since).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var url = $"{apiUrl}/{poll.Path}?pagination=keyset&order_by=id&sort=asc&per_page={poll.PerPage}&created_after={Uri.EscapeDataString(createdAfter)}";
        var queued = 0;
        for (var page = 0; page < MaxPagesPerPoll && url is not null; page++)
        {
            using var response = await api.GetAsync(url, request => request.Headers.Add("PRIVATE-TOKEN", token), cancellationToken).ConfigureAwait(false);
            var body = await BodyAsync(response, url, cancellationToken).ConfigureAwait(false);
            if (body is null) return queued;
            var entries = Entries(body, url);
            if (entries is null) return queued;

            // Only entries past the cursor, as JSON Lines; the cursor moves to the last of them.
            var lines = new StringBuilder();
            foreach (var entry in entries)
            {
                if (!entry.TryGetProperty("id", out var idNode) || !idNode.TryGetInt64(out var id) || id <= lastId) continue;
                lines.Append(entry.GetRawText().ReplaceLineEndings(" ")).Append('\n');
                if (id > lastId)
                {
                    lastId = id;
                    lastTime = entry.TryGetProperty("created_at", out var created) && created.ValueKind == JsonValueKind.String ? created.GetString() : lastTime;
                }
            }

            if (lines.Length > 0)
            {
                var cursor = JsonSerializer.Serialize(new Dictionary<string, string?> { ["id"] = lastId.ToString(CultureInfo.InvariantCulture), ["created_at"] = lastTime });
                if (!await QueueAsync("gitlab", Encoding.UTF8.GetBytes(lines.ToString()), cursor, cancellationToken).ConfigureAwait(false)) return queued;
                queued++;
            }

            url = NextGitLabPage(response, url, apiUrl);
        }

        return queued;
    }

    /// <summary>Puts a page in the intake queue with the cursor after it (one transaction); false when it could not be queued (reported).</summary>
    private async Task<bool> QueueAsync(string platform, byte[] body, string? cursor, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The page's bytes name it: a page fetched again unchanged is a refused replay, not a second copy.
        var delivery = $"audit-{Convert.ToHexStringLower(SHA256.HashData(body))[..40]}";
        var item = new IntakeItem(
            IntakeKinds.Payload, platform, delivery, $"format:{platform}-audit", $"audit:{poll.Name}", body, settings.Time.GetUtcNow().ToUnixTimeMilliseconds());
        var outcome = await queue.EnqueueAsync(item, cursor is null ? null : new KeyValuePair<string, string>(CursorName, cursor)).ConfigureAwait(false);
        if (outcome != EnqueueOutcome.Full) return true;
        Failed(poll.Path, "the intake backlog is full; polling again at the next interval");
        return false;
    }

    private async Task<byte[]?> BodyAsync(HttpResponseMessage response, string url, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            Failed(Shown(url), $"HTTP {(int)response.StatusCode}");
            return null;
        }

        var body = await FollowUps.ReadBoundedAsync(response.Content, MaxPageBytes, cancellationToken).ConfigureAwait(false);
        if (body is null) Failed(Shown(url), $"the answer is larger than {MaxPageBytes} bytes");
        return body;
    }

    /// <summary>The page's entries (a JSON array of objects), or null after reporting why it is not one.</summary>
    private List<JsonElement>? Entries(byte[] body, string url)
    {
        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            if (json.RootElement.ValueKind != JsonValueKind.Array)
            {
                Failed(Shown(url), "the answer is not a JSON array of audit entries");
                return null;
            }

            return [.. json.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => e.Clone())];
        }
        catch (JsonException ex)
        {
            Failed(Shown(url), $"the answer is not JSON: {ex.Message}");
            return null;
        }
    }

    private static (long Id, string? Time) GitLabCursor(string? stored)
    {
        if (stored is null) return (0, null);
        try
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, string?>>(stored);
            return (long.TryParse(values?.GetValueOrDefault("id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0, values?.GetValueOrDefault("created_at"));
        }
        catch (JsonException)
        {
            return (0, null);
        }
    }

    /// <summary>The next page of a GitLab answer: its <c>Link</c> rel="next" when on the API's host (a token never goes elsewhere), else <c>X-Next-Page</c>.</summary>
    private static string? NextGitLabPage(HttpResponseMessage response, string url, string apiUrl)
    {
        if (NextLink(response) is { } next)
        {
            return Uri.TryCreate(next, UriKind.Absolute, out var link) && Uri.TryCreate(apiUrl, UriKind.Absolute, out var api)
                && link.Scheme == api.Scheme && link.Authority == api.Authority ? next : null;
        }

        if (response.Headers.TryGetValues("X-Next-Page", out var values) && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page > 0)
        {
            var without = string.Join('&', new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("page=", StringComparison.Ordinal)));
            return $"{url.Split('?')[0]}?{without}&page={page}";
        }

        return null;
    }

    /// <summary>The URL of <c>rel="next"</c> in the <c>Link</c> header, or null.</summary>
    internal static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var part in string.Join(',', values).Split(','))
        {
            var pieces = part.Split(';');
            if (pieces.Length < 2 || !pieces.Skip(1).Any(p => p.Trim().Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next")) continue;
            var target = pieces[0].Trim();
            if (target.StartsWith('<') && target.EndsWith('>')) return target[1..^1];
        }

        return null;
    }

    /// <summary>A query parameter of a URL, decoded; null when absent or empty.</summary>
    private static string? Query(string? url, string name)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) return null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] == name && pair.Length > equals + 1) return Uri.UnescapeDataString(pair[(equals + 1)..]);
        }

        return null;
    }

    private void Failed(string where, string reason)
    {
        metrics.FollowFailures.WithLabels("audit-log").Inc();
        settings.Problems.Report(new Problem($"audit log {poll.Name} ({where})", $"polling failed: {reason}"));
    }

    /// <summary>A URL without its query (which may hold a phrase or cursor, never a token, but is long).</summary>
    private static string Shown(string url) => url.Split('?')[0];
}
