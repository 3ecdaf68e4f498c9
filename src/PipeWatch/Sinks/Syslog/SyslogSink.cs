using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PipeWatch.Findings;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Syslog;

/// <summary>Syslog (RFC 5424) with a CEF or LEEF 2.0 payload, over UDP (one datagram a message), TCP (octet-counting framing, RFC 6587) or TLS (RFC 5425).</summary>
/// <remarks>
/// A message is <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME pipewatch - finding - MSG</c>: PRI = facility × 8 + severity (critical→2, high→3,
/// medium→4, low→5, info→6); TIMESTAMP the finding's detection time in UTC; no structured data. A UDP message is cut to
/// <see cref="MaxDatagram"/> bytes. The TCP or TLS connection is kept between batches and opened again after a failure.
/// </remarks>
internal sealed class SyslogSink : IAlertTransport, IAsyncDisposable
{
    public const int MaxDatagram = 8_000;
    private readonly SyslogSinkOptions _options;
    private readonly string _host;
    private readonly int _port;
    private readonly int _facility;
    private readonly string _hostname;
    private readonly RouteContext _context;
    private readonly X509Certificate2Collection? _trust;
    private UdpClient? _udp;
    private TcpClient? _tcp;
    private Stream? _stream;

    public SyslogSink(SyslogSinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(route);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _host = context.Resolve(options.Host, route.Name, "host");
        _port = options.Port ?? (options.Protocol == "tls" ? 6514 : 514);
        _facility = SyslogSinkOptions.Facilities[options.Facility];
        _hostname = Header(options.Hostname ?? Environment.MachineName);
        if (options.CaFile is { } ca)
        {
            var path = Path.GetFullPath(context.Resolve(ca, route.Name, "ca-file"), context.WorkingDirectory ?? Directory.GetCurrentDirectory());
            try
            {
                _trust = [];
                _trust.ImportFromPemFile(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new RouteException($"alerts route '{route.Name}': ca-file {path}: cannot read ({ex.Message})");
            }
        }
    }

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        try
        {
            if (_options.Protocol == "udp")
            {
                _udp ??= new UdpClient(_host.Contains(':', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
                foreach (var alert in batch)
                {
                    var message = Message(alert);
                    await _udp.SendAsync(message.AsMemory(0, Math.Min(message.Length, MaxDatagram)), _host, _port, cancellationToken).ConfigureAwait(false);
                }

                return DeliveryResult.Delivered;
            }

            var stream = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            using var frames = new MemoryStream();
            foreach (var alert in batch)
            {
                var message = Message(alert);
                frames.Write(Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " "));
                frames.Write(message);
            }

            await stream.WriteAsync(frames.GetBuffer().AsMemory(0, (int)frames.Length), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Delivered;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            await CloseAsync().ConfigureAwait(false);
            return DeliveryResult.Retry($"syslog {_options.Protocol} {_host}:{_port}: {ex.Message}");
        }
    }

    /// <summary>One RFC 5424 message with its CEF or LEEF payload, as UTF-8 bytes.</summary>
    public byte[] Message(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var f = alert.Finding;
        var pri = _facility * 8 + Severity(f.Severity);
        var time = f.DetectedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var payload = _options.Format == "leef" ? LeefFormat.Line(alert, _context.Version) : CefFormat.Line(alert, _context.Version);
        return Encoding.UTF8.GetBytes($"<{pri}>1 {time} {_hostname} pipewatch - finding - {payload}");
    }

    /// <summary>The syslog severity of a finding's severity.</summary>
    public static int Severity(Severity severity) => severity switch
    {
        Findings.Severity.Critical => 2,
        Findings.Severity.High => 3,
        Findings.Severity.Medium => 4,
        Findings.Severity.Low => 5,
        _ => 6,
    };

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _udp = null;
    }

    private async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_stream is not null) return _stream;
        _tcp = new TcpClient { NoDelay = true };
        await _tcp.ConnectAsync(_host, _port, cancellationToken).ConfigureAwait(false);
        Stream stream = _tcp.GetStream();
        if (_options.Protocol == "tls")
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions { TargetHost = _host };
            if (_trust is not null)
            {
                options.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                options.CertificateChainPolicy.CustomTrustStore.AddRange(_trust);
            }

            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            stream = ssl;
        }

        _stream = stream;
        return stream;
    }

    private async Task CloseAsync()
    {
        if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        _tcp?.Dispose();
        _tcp = null;
    }

    // An RFC 5424 header field: printable ASCII without spaces, at most 255 characters; "-" when empty.
    private static string Header(string value)
    {
        var clean = new string([.. value.Where(c => c > ' ' && c < 127)]);
        return clean.Length == 0 ? "-" : clean.Length > 255 ? clean[..255] : clean;
    }
}
