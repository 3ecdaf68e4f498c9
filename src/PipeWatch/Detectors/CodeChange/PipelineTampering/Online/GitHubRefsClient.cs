using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering.Online;

/// <summary>What GitHub's REST API says about the refs of action repositories, asked once per question per scan.</summary>
/// <remarks>
/// Synchronous (the commit detectors run on one thread); each request is bounded by <see cref="Timeout"/> and its body by
/// <see cref="MaxBodyBytes"/>; lists are read at most <see cref="MaxPages"/> pages. After a rate-limit answer nothing more is
/// asked: every later question is <see cref="Answer.Unknown"/>. The token goes only to the configured API, in its header.
/// </remarks>
internal sealed class GitHubRefsClient : IDisposable
{
    public const int MaxPages = 10;
    public const int PerPage = 100;
    public const int MaxBodyBytes = 4 << 20;

    /// <summary>Branches and tags compared with one SHA, at most, before its reachability is said to be unknown.</summary>
    public const int MaxCompares = 30;

    /// <summary>Requests in one scan, at most (a repository with thousands of pins should not spend a whole hourly quota).</summary>
    public const int MaxRequests = 2_000;

    private readonly HttpClient _http;
    private readonly string _apiUrl;
    private readonly string _token;
    private readonly Dictionary<string, Answer<IReadOnlyList<(string Name, string Sha)>>> _lists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Answer<string>> _defaultBranches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Answer<bool>> _refs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Answer<bool>> _reachable = new(StringComparer.Ordinal);
    private string? _stopped;

    public GitHubRefsClient(string apiUrl, string token, HttpMessageHandler? handler = null)
    {
        _apiUrl = apiUrl.TrimEnd('/');
        _token = token;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>How long one request may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Requests sent so far.</summary>
    public int Requests { get; private set; }

    /// <summary>The tags of <paramref name="repository"/> with the commit each points to (annotated tags peeled); complete, or unknown.</summary>
    public Answer<IReadOnlyList<(string Name, string Sha)>> Tags(string repository) => List(repository, "tags");

    /// <summary>Whether <paramref name="repository"/> has a branch (<c>heads</c>) or tag (<c>tags</c>) named exactly <paramref name="name"/>.</summary>
    public Answer<bool> HasRef(string repository, string kind, string name)
    {
        var key = $"{repository}|{kind}|{name}";
        if (_refs.TryGetValue(key, out var known)) return known;
        var answer = Get($"/repos/{repository}/git/matching-refs/{kind}/{name}", out var body) switch
        {
            null => ReadMatches(body!, $"refs/{kind}/{name}"),
            var error => Answer.Unknown<bool>(error),
        };
        _refs[key] = answer;
        return answer;
    }

    /// <summary>
    /// Whether commit <paramref name="sha"/> is reachable from a branch or tag of <paramref name="repository"/>: a tag's commit, else
    /// compared (<c>compare/BASE...SHA</c>: <c>behind</c> or <c>identical</c>) with the default branch, the other branches, then the tags.
    /// </summary>
    public Answer<bool> Reachable(string repository, string sha)
    {
        var key = repository + "@" + sha;
        if (_reachable.TryGetValue(key, out var known)) return known;
        var answer = FindReachable(repository, sha);
        _reachable[key] = answer;
        return answer;
    }

    private Answer<bool> FindReachable(string repository, string sha)
    {
        var tags = Tags(repository);
        if (tags.Value?.Any(t => t.Sha == sha) == true) return Answer.Of(true);
        var branches = List(repository, "branches");
        if (branches.Value is null) return Answer.Unknown<bool>(branches.Why!);
        var main = DefaultBranch(repository);
        var candidates = branches.Value.Select(b => b.Name).OrderBy(b => b == main.Value ? 0 : 1)
            .Concat((tags.Value ?? []).Select(t => t.Name)).ToList();
        var compared = 0;
        foreach (var candidate in candidates)
        {
            if (compared++ == MaxCompares) return Answer.Unknown<bool>($"compared with {MaxCompares} of its {candidates.Count} branches and tags without finding it");
            var error = Get($"/repos/{repository}/compare/{Uri.EscapeDataString(candidate)}...{sha}", out var body);
            if (error is not null) return Answer.Unknown<bool>(error);
            if (CompareStatus(body!) is "behind" or "identical") return Answer.Of(true);
        }

        return tags.Value is null ? Answer.Unknown<bool>(tags.Why!) : Answer.Of(false);
    }

    private Answer<string> DefaultBranch(string repository)
    {
        if (_defaultBranches.TryGetValue(repository, out var known)) return known;
        var answer = Get($"/repos/{repository}", out var body) switch
        {
            null => ReadString(body!, "default_branch"),
            var error => Answer.Unknown<string>(error),
        };
        _defaultBranches[repository] = answer;
        return answer;
    }

    private Answer<IReadOnlyList<(string Name, string Sha)>> List(string repository, string what)
    {
        var key = repository + "|" + what;
        if (_lists.TryGetValue(key, out var known)) return known;
        var items = new List<(string, string)>();
        Answer<IReadOnlyList<(string, string)>>? answer = null;
        for (var page = 1; answer is null; page++)
        {
            if (page > MaxPages)
            {
                answer = Answer.Unknown<IReadOnlyList<(string, string)>>($"{repository} has more than {MaxPages * PerPage} {what}");
                break;
            }

            if (Get(string.Create(CultureInfo.InvariantCulture, $"/repos/{repository}/{what}?per_page={PerPage}&page={page}"), out var body) is { } error)
            {
                answer = Answer.Unknown<IReadOnlyList<(string, string)>>(error);
                break;
            }

            var count = ReadNamedCommits(body!, items);
            if (count < 0) answer = Answer.Unknown<IReadOnlyList<(string, string)>>($"GET /repos/{repository}/{what}: not the documented JSON");
            else if (count < PerPage) answer = Answer.Of<IReadOnlyList<(string, string)>>(items);
        }

        _lists[key] = answer;
        return answer;
    }

    /// <summary>GETs <paramref name="path"/> below the API; null and the body on 200, else why not (the token never in it).</summary>
    private string? Get(string path, out byte[]? body)
    {
        body = null;
        if (_stopped is not null) return _stopped;
        if (Requests >= MaxRequests) return _stopped = $"more than {MaxRequests} GitHub API requests in one scan: the rest were not asked";
        Requests++;
        using var request = new HttpRequestMessage(HttpMethod.Get, _apiUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        request.Headers.UserAgent.ParseAdd("pipewatch/1");
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == HttpStatusCode.TooManyRequests
                || response.StatusCode == HttpStatusCode.Forbidden && (Header(response, "x-ratelimit-remaining") == "0" || response.Headers.Contains("retry-after")))
            {
                var reset = Header(response, "x-ratelimit-reset") is { } epoch && long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? " until " + DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                    : "";
                return _stopped = $"GitHub's API rate limit was reached (HTTP {(int)response.StatusCode} at GET {Short(path)}){reset}: nothing more was asked";
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized) return _stopped = "GitHub's API refused the token (HTTP 401): nothing more was asked";
            if (response.StatusCode != HttpStatusCode.OK) return $"GET {Short(path)}: HTTP {(int)response.StatusCode}";
            body = ReadBounded(response, timeout.Token);
            return body is null ? $"GET {Short(path)}: the answer is larger than {MaxBodyBytes} bytes" : null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"GET {Short(path)}: no answer within {Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return $"GET {Short(path)}: GitHub's API could not be reached ({e.HttpRequestError})";
        }
    }

    private static string Short(string path) => path.Split('?')[0];

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static byte[]? ReadBounded(HttpResponseMessage response, CancellationToken ct)
    {
        using var stream = response.Content.ReadAsStream(ct);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (copy.Length + read > MaxBodyBytes) return null;
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    /// <summary>Adds each <c>{"name": …, "commit": {"sha": …}}</c> of a branches or tags page; the count read, or -1 when the shape is not that.</summary>
    private static int ReadNamedCommits(byte[] body, List<(string, string)> into)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array) return -1;
            var count = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                count++;
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && item.TryGetProperty("commit", out var commit) && commit.ValueKind == JsonValueKind.Object
                    && commit.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String)
                {
                    into.Add((name.GetString()!, sha.GetString()!));
                }
            }

            return count;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    private static Answer<bool> ReadMatches(byte[] body, string exact)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array) return Answer.Unknown<bool>("matching-refs: not the documented JSON");
            return Answer.Of(document.RootElement.EnumerateArray().Any(r =>
                r.ValueKind == JsonValueKind.Object && r.TryGetProperty("ref", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == exact));
        }
        catch (JsonException)
        {
            return Answer.Unknown<bool>("matching-refs: not JSON");
        }
    }

    private static Answer<string> ReadString(byte[] body, string property)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
                ? Answer.Of(value.GetString()!)
                : Answer.Unknown<string>($"no {property} in the answer");
        }
        catch (JsonException)
        {
            return Answer.Unknown<string>("not JSON");
        }
    }

    private static string? CompareStatus(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                ? status.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A value GitHub gave, or why it is not known.</summary>
internal sealed record Answer<T>(T? Value, string? Why)
{
    public bool Known => Why is null;
}

/// <summary>Builds <see cref="Answer{T}"/>s.</summary>
internal static class Answer
{
    public static Answer<T> Of<T>(T value) => new(value, null);

    public static Answer<T> Unknown<T>(string why) => new(default, why);
}
