using System.Net.Http.Headers;
using System.Text;
using PipeWatch.Streams;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>Where the agent reads the runner's metrics: an http(s) URL (node_exporter's <c>/metrics</c>) or a file holding one exposition (a textfile another process rewrites), read anew at each scrape.</summary>
/// <remarks>A URL is fetched with a 5 s timeout, asking for the text format; a body or file larger than <see cref="ExpositionLimits.MaxBytes"/> is cut there (the cut line reported). Failures are returned as the reason, never thrown.</remarks>
internal sealed class ScrapeTarget : IDisposable
{
    private readonly Uri? _url;
    private readonly string? _path;
    private readonly HttpClient? _client;
    private readonly ExpositionParser _parser;
    private readonly long _maxBytes;

    public ScrapeTarget(string target, ExpositionLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var bounds = limits ?? new ExpositionLimits();
        _parser = new ExpositionParser(bounds);
        _maxBytes = bounds.MaxBytes;
        if (Uri.TryCreate(target, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            _url = url;
            _client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            _client.DefaultRequestHeaders.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain;version=0.0.4"));
            // Shown in records and messages: without credentials or query.
            Display = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty }.Uri.ToString();
        }
        else
        {
            _path = Path.GetFullPath(target);
            Display = _path;
        }
    }

    /// <summary>The target as records show it (a URL without credentials or query, or the full path).</summary>
    public string Display { get; }

    /// <summary>One scrape, or the reason it failed.</summary>
    public async Task<(Exposition? Scrape, string? Problem)> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_client is not null)
            {
                using var response = await _client.GetAsync(_url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) return (null, $"{Display} answered {(int)response.StatusCode}");
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                return (await ParseAsync(body, cancellationToken).ConfigureAwait(false), null);
            }

            await using var file = new FileStream(_path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.SequentialScan);
            return (await ParseAsync(file, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"{Display}: {ex.Message}");
        }
    }

    private async Task<Exposition> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(new CappedStream(stream, _maxBytes), Encoding.UTF8);
        return await _parser.ParseAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _client?.Dispose();

    // Reads at most a number of bytes of the inner stream, then ends.
    private sealed class CappedStream(Stream inner, long max) : ReadOnlyStream
    {
        private long _left = max;

        public override int Read(Span<byte> buffer)
        {
            if (_left <= 0) return 0;
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            _left -= read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_left <= 0) return 0;
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken).ConfigureAwait(false);
            _left -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
