using System.Net;
using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.CiServers;

/// <summary>
/// The GETs a CI-server poller makes: each answer bounded and parsed, each failure (unreachable, refused, not JSON) a problem naming
/// the server and the request. The token is put in a header only, never in a URL or a message.
/// </summary>
/// <remarks>Used by one poll at a time. The caller owns the <see cref="HttpClient"/>.</remarks>
internal sealed class CiServerApi(HttpClient http, CiServerPoll server, Action<HttpRequestMessage> authorize, IProblemReporter problems)
{
    /// <summary>The largest answer read (a Jenkins with a thousand plugins and their dependencies answers a few MB).</summary>
    public const int MaxAnswerBytes = 16 << 20;

    /// <summary>Requests that failed (each reported).</summary>
    public int Failures { get; private set; }

    /// <summary>GETs <paramref name="url"/>: the answer's JSON and headers, or null after reporting why not.</summary>
    /// <param name="shown">How the problem names the request (the path below the server).</param>
    /// <param name="hint">Said after an HTTP 401 or 403 (what the token needs).</param>
    public async Task<(JsonDocument Json, HttpResponseMessage Response)?> GetJsonAsync(string url, string shown, string hint, CancellationToken ct)
    {
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            authorize(request);
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                Fail(shown, response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? $"HTTP {status} ({hint})" : $"HTTP {status}");
                response.Dispose();
                return null;
            }

            var body = await ReadBoundedAsync(response.Content, ct).ConfigureAwait(false);
            if (body is null)
            {
                Fail(shown, $"the answer is larger than {MaxAnswerBytes} bytes");
                response.Dispose();
                return null;
            }

            return (JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 }), response);
        }
        catch (JsonException ex)
        {
            Fail(shown, $"the answer is not JSON ({ex.Message})");
        }
        catch (HttpRequestException ex)
        {
            // The message names the host and the socket error; the token travels in a header and is not in it.
            Fail(shown, $"unreachable ({ex.Message})");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            Fail(shown, $"no answer within {http.Timeout.TotalSeconds:0} s");
        }

        response?.Dispose();
        return null;
    }

    /// <summary>Reports a problem of this server that is no failed request (a setting, a shape).</summary>
    public void Fail(string shown, string reason)
    {
        Failures++;
        problems.Report(new Problem(server.Name, $"{shown}: {reason}"));
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken ct)
    {
        if (content.Headers.ContentLength is > MaxAnswerBytes) return null;
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxAnswerBytes) return null;
            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }
}
