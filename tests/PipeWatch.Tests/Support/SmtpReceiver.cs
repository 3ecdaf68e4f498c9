using System.Diagnostics;
using System.Net.Sockets;
using MimeKit;

namespace PipeWatch.Tests.Support;

/// <summary>A real SMTP receiver: Debian's python3-aiosmtpd (installed by .ci/run) on a loopback port, plain or with TLS, delivering into a maildir the test reads.</summary>
internal sealed class SmtpReceiver : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ServiceProcess _service;

    // aiosmtpd's Controller with TLS (aiosmtpd 1.4): STARTTLS required before MAIL (tls_context, require_starttls), or TLS from
    // the first byte (ssl_context, SMTPS). It runs until its standard input closes.
    private const string TlsScript = """
        import ssl, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        mode, port, cert, key, maildir = sys.argv[1:6]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if mode == "starttls":
            controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), tls_context=context, require_starttls=True)
        else:
            controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), ssl_context=context)
        controller.start()
        print("ready", flush=True)
        sys.stdin.read()
        controller.stop()
        """;

    /// <param name="security">null: plain SMTP; <c>starttls</c>: STARTTLS required before a message; <c>tls</c>: implicit TLS (SMTPS).</param>
    /// <param name="certificates">The server certificate for the TLS modes.</param>
    public SmtpReceiver(string? security = null, TestCertificates? certificates = null)
    {
        // Debian's interpreter, where python3-aiosmtpd is installed (a python3 earlier on PATH may lack it).
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        Port = ServiceProcess.FreePort(SocketType.Stream, ProtocolType.Tcp);
        Maildir = _folder.File("maildir");
        string[] arguments;
        if (security is null)
        {
            arguments = ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir];
        }
        else
        {
            ArgumentNullException.ThrowIfNull(certificates);
            var script = _folder.File("smtpd.py");
            File.WriteAllText(script, TlsScript);
            arguments = [script, security, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), certificates.ServerCertificateFile, certificates.ServerKeyFile, Maildir];
        }

        // Standard input stays open: the TLS script runs until it closes.
        _service = ServiceProcess.Start(
            new ProcessStartInfo(python, arguments) { RedirectStandardInput = true }, Port, TimeSpan.FromSeconds(15), "aiosmtpd", ".ci/run installs python3-aiosmtpd");
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>The messages received, once at least <paramref name="count"/> have come (bounded wait).</summary>
    public async Task<IReadOnlyList<(MimeMessage Message, byte[] Raw)>> MessagesAsync(int count, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var files = Directory.Exists(Path.Combine(Maildir, "new")) ? Directory.GetFiles(Path.Combine(Maildir, "new")).Order(StringComparer.Ordinal).ToArray() : [];
            if (files.Length >= count)
            {
                var messages = new List<(MimeMessage, byte[])>();
                foreach (var file in files)
                {
                    var raw = await File.ReadAllBytesAsync(file);
                    messages.Add((await MimeMessage.LoadAsync(new MemoryStream(raw)), raw));
                }

                return messages;
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{files.Length} of {count} messages came within {seconds} s");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _service.Dispose();
        _folder.Dispose();
    }
}
