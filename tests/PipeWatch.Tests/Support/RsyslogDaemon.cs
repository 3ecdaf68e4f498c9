using System.Diagnostics;
using System.Net.Sockets;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A real rsyslogd (Debian's rsyslog, installed by .ci/run), started in the foreground with a config written here: it listens on
/// loopback for UDP and TCP (octet-counted framing on), parses RFC 5424, and writes each message's parsed fields, one per line,
/// to a file the test reads: PRI|VERSION|TIMESTAMP|HOSTNAME|APP-NAME|PROCID|MSGID|MSG. With certificates, its TCP input is TLS.
/// </summary>
internal sealed class RsyslogDaemon : IDisposable
{
    public const string Executable = "/usr/sbin/rsyslogd";

    /// <summary>The TLS netstream driver of Debian's rsyslog-gnutls (under the architecture's library folder), or null when it is not installed.</summary>
    public static string? GtlsDriver { get; } = Directory.Exists("/usr/lib")
        ? Directory.EnumerateDirectories("/usr/lib").Prepend("/usr/lib").Select(d => Path.Combine(d, "rsyslog", "lmnsd_gtls.so")).FirstOrDefault(File.Exists)
        : null;
    private readonly TempFolder _folder = new();
    private readonly ServiceProcess _service;

    /// <param name="udpPort">The UDP port; 0 picks a free one.</param>
    /// <param name="tls">When given, the TCP input speaks TLS (RFC 5425) through rsyslog's gtls driver (Debian's rsyslog-gnutls) with this server certificate.</param>
    public RsyslogDaemon(int udpPort = 0, TestCertificates? tls = null)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: .ci/run installs rsyslog (apt-get install rsyslog)");
        UdpPort = udpPort == 0 ? ServiceProcess.FreePort(SocketType.Dgram, ProtocolType.Udp) : udpPort;
        TcpPort = ServiceProcess.FreePort(SocketType.Stream, ProtocolType.Tcp);
        Output = _folder.File("messages.log");
        var config = _folder.File("rsyslog.conf");
        if (tls is not null)
        {
            Assert.True(GtlsDriver is not null, "rsyslog's gtls driver (lmnsd_gtls.so) is missing: .ci/run installs rsyslog-gnutls (apt-get install rsyslog-gnutls)");
        }

        var global = tls is null ? "" : $" defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"{tls.CaFile}\" defaultNetstreamDriverCertFile=\"{tls.ServerCertificateFile}\" defaultNetstreamDriverKeyFile=\"{tls.ServerKeyFile}\"";
        var tcp = tls is null ? "" : " streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\"";
        File.WriteAllText(config, $"""
            global(workDirectory="{_folder.Path}" maxMessageSize="64k"{global})
            module(load="imudp")
            module(load="imtcp"{tcp})
            input(type="imudp" address="127.0.0.1" port="{UdpPort}")
            input(type="imtcp" address="127.0.0.1" port="{TcpPort}")
            template(name="fields" type="string" string="%pri%|%protocol-version%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%msg%\n")
            *.* action(type="omfile" file="{Output}" template="fields" flushOnTXEnd="on" asyncWriting="off")
            """);
        _service = ServiceProcess.Start(
            new ProcessStartInfo(Executable, ["-n", "-f", config, "-i", _folder.File("rsyslogd.pid")]), TcpPort, TimeSpan.FromSeconds(10), "rsyslogd", ".ci/run installs rsyslog");
    }

    public int UdpPort { get; }

    public int TcpPort { get; }

    public string Output { get; }

    /// <summary>The parsed lines, once at least <paramref name="count"/> have been written (bounded wait).</summary>
    public async Task<string[]> LinesAsync(int count, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var lines = File.Exists(Output) ? (await File.ReadAllLinesAsync(Output)).Where(l => l.Length > 0).ToArray() : [];
            if (lines.Length >= count) return lines;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"rsyslog wrote {lines.Length} of {count} lines within {seconds} s");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _service.Dispose();
        _folder.Dispose();
    }
}
