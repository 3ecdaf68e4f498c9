using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>
/// Keeps local copies of OSV's per-ecosystem archives (<c>{base}/{ecosystem}/all.zip</c>) fresh: a conditional GET per
/// ecosystem (ETag, else Last-Modified), so an unchanged archive is not downloaded again.
/// </summary>
/// <remarks>
/// Reusable by anything that refreshes advisories (the <c>vulndb update</c> command, a scheduled refresh). Not thread-safe:
/// one update of a folder at a time. A download goes to a temporary file and replaces the archive only when complete and
/// within <see cref="OsvFeedOptions.MaxArchiveBytes"/>; a failed ecosystem is reported in its result and the others go on.
/// </remarks>
public sealed class OsvFeedUpdater(HttpClient http, OsvFeedOptions options)
{
    private static readonly JsonSerializerOptions ValidatorJson = new() { WriteIndented = true };

    /// <summary>Where the archive of <paramref name="ecosystem"/> is kept.</summary>
    public string ArchivePath(string ecosystem) => Path.Combine(options.Folder, FileName(ecosystem) + ".zip");

    /// <summary>Checks each ecosystem's archive against the server and downloads those that changed.</summary>
    public async Task<IReadOnlyList<OsvFeedResult>> UpdateAsync(IEnumerable<string> ecosystems, CancellationToken ct)
    {
        Directory.CreateDirectory(options.Folder);
        var results = new List<OsvFeedResult>();
        foreach (var ecosystem in ecosystems)
        {
            results.Add(await UpdateOneAsync(ecosystem, ct).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<OsvFeedResult> UpdateOneAsync(string ecosystem, CancellationToken ct)
    {
        var url = new Uri(options.BaseUrl.ToString().TrimEnd('/') + "/" + Uri.EscapeDataString(ecosystem) + "/all.zip");
        var archive = ArchivePath(ecosystem);
        var validatorsPath = Path.ChangeExtension(archive, ".validators.json");
        var known = File.Exists(archive) ? ReadValidators(validatorsPath) : null;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (known?.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag)) request.Headers.IfNoneMatch.Add(tag);
        else if (known?.LastModified is { } modified) request.Headers.IfModifiedSince = modified;

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified) return new OsvFeedResult(ecosystem, url, OsvFeedOutcome.Unchanged, archive, 0, null);
            if (!response.IsSuccessStatusCode)
            {
                return new OsvFeedResult(ecosystem, url, OsvFeedOutcome.Failed, archive, 0, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (response.Content.Headers.ContentLength > options.MaxArchiveBytes) return TooLarge(ecosystem, url, archive);
            var temporary = archive + ".download";
            long length;
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                length = await CopyBoundedAsync(body, file, options.MaxArchiveBytes, ct).ConfigureAwait(false);
            }

            if (length < 0)
            {
                File.Delete(temporary);
                return TooLarge(ecosystem, url, archive);
            }

            File.Move(temporary, archive, overwrite: true);
            var validators = new Validators(response.Headers.ETag?.ToString(), response.Content.Headers.LastModified);
            File.WriteAllText(validatorsPath, JsonSerializer.Serialize(validators, ValidatorJson));
            return new OsvFeedResult(ecosystem, url, OsvFeedOutcome.Downloaded, archive, length, null);
        }
        catch (HttpRequestException ex)
        {
            return new OsvFeedResult(ecosystem, url, OsvFeedOutcome.Failed, archive, 0, ex.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new OsvFeedResult(ecosystem, url, OsvFeedOutcome.Failed, archive, 0, $"no answer within {http.Timeout.TotalSeconds:0} s");
        }
    }

    private OsvFeedResult TooLarge(string ecosystem, Uri url, string archive) =>
        new(ecosystem, url, OsvFeedOutcome.Failed, archive, 0, $"larger than {options.MaxArchiveBytes / (1 << 20)} MB (OsvFeedOptions.MaxArchiveBytes)");

    /// <summary>Copies at most <paramref name="limit"/> bytes; -1 when the body is longer.</summary>
    private static async Task<long> CopyBoundedAsync(Stream from, Stream to, long limit, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit) return -1;
            await to.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }

        return total;
    }

    private static Validators? ReadValidators(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Validators>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            // A damaged sidecar only costs one full download.
            return null;
        }
    }

    /// <summary>An ecosystem name as a file name: "GitHub Actions" is "GitHub_Actions".</summary>
    private static string FileName(string ecosystem) =>
        string.Concat(ecosystem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));

    private sealed record Validators(string? ETag, DateTimeOffset? LastModified);
}

/// <summary>Where <see cref="OsvFeedUpdater"/> downloads from and keeps its archives.</summary>
public sealed record OsvFeedOptions
{
    /// <summary>OSV's public bucket, as text: for help texts, which every command builds and which need no <see cref="Uri"/> parse.</summary>
    public const string DefaultBaseAddress = "https://osv-vulnerabilities.storage.googleapis.com/";

    /// <summary>OSV's public bucket.</summary>
    public static readonly Uri DefaultBaseUrl = new(DefaultBaseAddress);

    public Uri BaseUrl { get; init; } = DefaultBaseUrl;

    /// <summary>The folder that holds one <c>&lt;ecosystem&gt;.zip</c> and its validators per ecosystem.</summary>
    public required string Folder { get; init; }

    /// <summary>The largest archive accepted (npm's is a few hundred MB).</summary>
    public long MaxArchiveBytes { get; init; } = 2L << 30;
}

/// <summary>What happened to one ecosystem's archive.</summary>
public enum OsvFeedOutcome
{
    Downloaded,
    Unchanged,
    Failed,
}

/// <summary>One ecosystem's update: the outcome, the local archive, bytes downloaded, and the reason when it failed.</summary>
public sealed record OsvFeedResult(string Ecosystem, Uri Url, OsvFeedOutcome Outcome, string Archive, long Bytes, string? Reason);
