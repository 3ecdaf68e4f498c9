using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using PipeWatch.Diagnostics;

namespace PipeWatch.Intel;

/// <summary>Reads a feed over HTTP: one body, or a TAXII 2.1 collection's objects page by page (<c>more</c>/<c>next</c>), optionally only what was added after a time.</summary>
/// <remarks>
/// Bodies are spooled to a temporary file (deleted when closed) and read from there, so a large list or CSV is streamed; they are
/// bounded by <see cref="IntelFeeds.MaxBytes"/> and pages by <see cref="MaxTaxiiPages"/>; header values are sent, never reported. Thread-safe.
/// </remarks>
public static class IntelFeedFetcher
{
    /// <summary>The most pages of one TAXII collection read in one fetch.</summary>
    public const int MaxTaxiiPages = 1_000;

    /// <summary>True for a TAXII 2.1 objects endpoint: <c>…/collections/{id}/objects/</c>.</summary>
    public static bool IsTaxii(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.AbsolutePath.TrimEnd('/');
        return path.Contains("/collections/", StringComparison.Ordinal) && path.EndsWith("/objects", StringComparison.Ordinal);
    }

    /// <summary>Fetches <paramref name="url"/>; each body (each TAXII page) is one reading. A failed request is a problem naming the URL and ends the fetch.</summary>
    /// <param name="http">The client (its timeout applies).</param>
    /// <param name="url">The feed's URL.</param>
    /// <param name="feed">The feed name the readings carry.</param>
    /// <param name="format">A format to read as, or null to recognize (TAXII: STIX).</param>
    /// <param name="headers">Headers sent with each request (an API key).</param>
    /// <param name="addedAfter">For TAXII: ask only for objects added after this time (<c>added_after</c>).</param>
    /// <param name="problems">Where failures and bad content are reported.</param>
    /// <param name="handOver">When given, blocks of indicators are handed to it while a body is read (<see cref="IntelFeeds.ReadFile"/>); each reading returned holds its last block.</param>
    /// <param name="ct">Cancels the fetch.</param>
    public static async Task<IntelFetch> FetchAsync(
        HttpClient http, string url, string feed, string? format, IReadOnlyList<(string Name, string Value)> headers, DateTimeOffset? addedAfter,
        IProblemReporter problems, Action<FeedReading>? handOver, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(problems);
        var taxii = IsTaxii(new Uri(url));
        var readings = new List<FeedReading>();
        var complete = false;
        DateTimeOffset? addedLast = null;
        string? next = null;
        for (var page = 0; page < MaxTaxiiPages; page++)
        {
            var query = new List<string>();
            if (taxii && addedAfter is { } after) query.Add("added_after=" + Uri.EscapeDataString(after.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
            if (next is not null) query.Add("next=" + Uri.EscapeDataString(next));
            var address = query.Count == 0 ? url : url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query);
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            if (taxii) request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/taxii+json;version=2.1"));
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
            FileStream? body;
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                if (!response.IsSuccessStatusCode)
                {
                    problems.Report(new Problem(url, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));
                    break;
                }

                if (response.Headers.TryGetValues("X-TAXII-Date-Added-Last", out var last) &&
                    DateTimeOffset.TryParse(last.FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var lastAdded))
                {
                    addedLast = lastAdded;
                }

                body = await ReadBoundedAsync(response, ct);
            }
            catch (HttpRequestException ex)
            {
                problems.Report(new Problem(url, $"cannot fetch: {ex.Message}"));
                break;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                problems.Report(new Problem(url, "cannot fetch: timed out"));
                break;
            }

            if (body is null)
            {
                problems.Report(new Problem(url, $"the feed is larger than {IntelFeeds.MaxBytes >> 20} MiB; not read"));
                break;
            }

            using (body)
            {
                readings.Add(IntelFeeds.Read(body, url, feed, taxii ? format ?? "stix" : format, problems, handOver));
                body.Position = 0;
                if (!taxii || !More(body, out next))
                {
                    complete = true;
                    break;
                }
            }
        }

        return new IntelFetch(readings, complete, taxii, addedLast);
    }

    // The body spooled to a temporary file (deleted when closed), so that a large feed is streamed from disk, not held in memory; null past MaxBytes.
    private static async Task<FileStream?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > IntelFeeds.MaxBytes) return null;
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var spool = new FileStream(Path.Combine(Path.GetTempPath(), $"pipewatch-feed-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                if (spool.Length + read > IntelFeeds.MaxBytes)
                {
                    await spool.DisposeAsync();
                    return null;
                }

                await spool.WriteAsync(chunk.AsMemory(0, read), ct);
            }

            spool.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }

    private static bool More(Stream body, out string? next)
    {
        next = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("more", out var more) || more.ValueKind != JsonValueKind.True) return false;
            next = root.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            return next is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>What a fetch read: one reading per body, whether it read to the end, and for TAXII the server's last added time.</summary>
/// <param name="Readings">One per body or page.</param>
/// <param name="Complete">True when every page was read (no failed request, no page limit).</param>
/// <param name="Taxii">True when the URL was a TAXII collection (read incrementally).</param>
/// <param name="AddedLast">TAXII <c>X-TAXII-Date-Added-Last</c> of the last page, when the server sent it.</param>
public sealed record IntelFetch(IReadOnlyList<FeedReading> Readings, bool Complete, bool Taxii, DateTimeOffset? AddedLast);
