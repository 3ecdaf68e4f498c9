using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A real DNS server for agent tests: Debian's dnsmasq on port 53 of a loopback address of its own (127.53.x.y), answering
/// only the names it is given (<c>--address=/NAME/IP</c>), forwarding nothing. Disposing kills it.
/// </summary>
internal sealed class LoopbackDnsServer : IDisposable
{
    private readonly Process _process;

    private LoopbackDnsServer(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The loopback address it listens on, port 53.</summary>
    public string Address { get; }

    /// <summary>Starts dnsmasq answering each name with its address; skips the test, with the reason, when it cannot bind port 53 here (or is not installed: <c>.ci/run</c> installs <c>dnsmasq-base</c>).</summary>
    public static LoopbackDnsServer Start(params (string Name, string Ip)[] names)
    {
        var address = $"127.53.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";
        var start = new ProcessStartInfo("dnsmasq") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--keep-in-foreground", "--conf-file=/dev/null", $"--listen-address={address}", "--bind-interfaces", "--port=53", "--no-resolv", "--no-hosts", "--pid-file=" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, ip) in names) start.ArgumentList.Add($"--address=/{name}/{ip}");
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip("dnsmasq is not installed (apt-get install dnsmasq-base)");
            throw;
        }

        // dnsmasq serves TCP as well: a connection accepted on port 53 means it is bound and answering.
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10); ; Thread.Sleep(50))
        {
            if (process.HasExited)
            {
                var error = process.StandardError.ReadToEnd().Trim();
                process.Dispose();
                Assert.Skip($"dnsmasq cannot listen on {address}:53 here: {error}");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Parse(address), 53);
                return new LoopbackDnsServer(process, address);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            catch (SocketException ex)
            {
                process.Kill();
                process.Dispose();
                throw new InvalidOperationException($"dnsmasq did not listen on {address}:53 within 10 s: {ex.Message}");
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
