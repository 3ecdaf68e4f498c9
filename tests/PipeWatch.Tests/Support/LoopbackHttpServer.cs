using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A small HTTP/1.1 server on a loopback port, standing in for a service (Slack, PagerDuty, Splunk…): it records every request
/// (method, path, headers, body) and answers each with what <see cref="Respond"/> says, or never (a null reply holds the connection).
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private const int MaxBody = 64 << 20;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);

    /// <param name="port">0 for any free port.</param>
    public LoopbackHttpServer(Func<RecordedRequest, HttpReply?>? respond = null, int port = 0)
    {
        Respond = respond ?? (_ => new HttpReply(200, "ok"));
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    /// <summary>What to answer a request; null never answers it.</summary>
    public Func<RecordedRequest, HttpReply?> Respond { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests have come.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForAsync(int count, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (_requests.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{_requests.Count} of {count} requests came within {seconds} s");
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new BufferedReader(stream);
                while (!_stop.IsCancellationRequested)
                {
                    var head = await reader.ReadHeadAsync(_stop.Token);
                    if (head is null) return;
                    var lines = head.Split("\r\n");
                    var start = lines[0].Split(' ');
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
                    {
                        var colon = line.IndexOf(':', StringComparison.Ordinal);
                        var name = line[..colon].Trim();
                        var value = line[(colon + 1)..].Trim();
                        headers[name] = headers.TryGetValue(name, out var before) ? $"{before}, {value}" : value;
                    }

                    var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 0;
                    if (length > MaxBody) return;
                    var body = await reader.ReadBodyAsync(length, _stop.Token);
                    var request = new RecordedRequest(start[0], start[1], headers, body, DateTime.UtcNow);
                    _requests.Enqueue(request);
                    _arrived.Release();
                    if (Respond(request) is not { } reply)
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    }

                    var bytes = reply.Bytes ?? Encoding.UTF8.GetBytes(reply.Body);
                    var answer = new StringBuilder($"HTTP/1.1 {reply.Status} {(HttpStatusCode)reply.Status}\r\nContent-Length: {bytes.Length}\r\nContent-Type: {reply.ContentType}\r\n");
                    foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>()) answer.Append(name).Append(": ").Append(value).Append("\r\n");
                    answer.Append("\r\n");
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(answer.ToString()), _stop.Token);
                    await stream.WriteAsync(bytes, _stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away, or the server stopped.
            }
        }
    }

    // Reads an HTTP head (to the blank line) and a body of known length off one connection.
    private sealed class BufferedReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly MemoryStream _pending = new();

        public async Task<string?> ReadHeadAsync(CancellationToken ct)
        {
            while (true)
            {
                var data = _pending.ToArray();
                var end = IndexOf(data, "\r\n\r\n"u8);
                if (end >= 0)
                {
                    Keep(data, end + 4);
                    return Encoding.ASCII.GetString(data, 0, end);
                }

                var n = await stream.ReadAsync(_buffer, ct);
                if (n == 0) return null;
                _pending.Write(_buffer, 0, n);
            }
        }

        public async Task<byte[]> ReadBodyAsync(int length, CancellationToken ct)
        {
            while (_pending.Length < length)
            {
                var n = await stream.ReadAsync(_buffer, ct);
                if (n == 0) throw new IOException("connection closed inside a body");
                _pending.Write(_buffer, 0, n);
            }

            var data = _pending.ToArray();
            Keep(data, length);
            return data[..length];
        }

        private void Keep(byte[] data, int from)
        {
            _pending.SetLength(0);
            _pending.Write(data, from, data.Length - from);
        }

        private static int IndexOf(byte[] data, ReadOnlySpan<byte> value) => data.AsSpan().IndexOf(value);
    }
}

/// <summary>One request as the server read it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTime ReceivedAt)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public System.Text.Json.JsonDocument Json() => System.Text.Json.JsonDocument.Parse(Body);
}

/// <summary>An answer: status, body, extra headers.</summary>
internal sealed record HttpReply(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null, string ContentType = "application/json")
{
    /// <summary>A binary body (an archive), sent instead of <see cref="Body"/>.</summary>
    public byte[]? Bytes { get; init; }
}
