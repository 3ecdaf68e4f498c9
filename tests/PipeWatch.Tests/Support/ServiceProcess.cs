using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A real service a test starts (rsyslogd, aiosmtpd…): its process, with standard streams redirected, and a bounded wait until
/// it accepts TCP connections on its loopback port. Disposing kills it and waits for it to go.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private ServiceProcess(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>Starts <paramref name="start"/> and returns once <paramref name="port"/> on 127.0.0.1 accepts a connection.</summary>
    /// <param name="name">What the service is, for the error.</param>
    /// <param name="hint">How to get it when it is missing (what .ci/run installs), for the error.</param>
    /// <exception cref="InvalidOperationException">It exited, or did not listen within <paramref name="wait"/>; names its standard error.</exception>
    public static ServiceProcess Start(ProcessStartInfo start, int port, TimeSpan wait, string name, string hint)
    {
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        var service = new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start ({hint})"));
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return service;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !service.Process.HasExited)
            {
                Thread.Sleep(50);
            }
            catch (SocketException)
            {
                var why = service.Process.HasExited ? service.Process.StandardError.ReadToEnd() : $"no listener on port {port} after {wait.TotalSeconds:0} s";
                service.Dispose();
                throw new InvalidOperationException($"{name} did not start ({hint}): {why}");
            }
        }
    }

    /// <summary>
    /// A free port on 127.0.0.1 below the kernel's ephemeral range (from 20000), for a service that is stopped and started again
    /// on the same port: while it is down, no outgoing connection of the tests running beside it can take the port as its source
    /// port (a port from <see cref="FreePort"/> can be, and the restart then fails with "address already in use" until that
    /// connection closes). <see cref="FreePort"/> when the range leaves no room below it.
    /// </summary>
    public static int RestartablePort()
    {
        var below = EphemeralPorts().Low;
        if (below <= 20_001) return FreePort();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, below);
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken: another.
            }
        }

        throw new InvalidOperationException($"no free port between 20000 and {below} on 127.0.0.1 after 200 tries");
    }

    /// <summary>The kernel's ephemeral port range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>; Linux's default when unreadable).</summary>
    public static (int Low, int High) EphemeralPorts()
    {
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        var parts = File.Exists(path) ? File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
        return parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high) ? (low, high) : (32_768, 60_999);
    }

    /// <summary>A port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort(SocketType type = SocketType.Stream, ProtocolType protocol = ProtocolType.Tcp)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited) Process.Kill();
            Process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Process.Dispose();
    }
}
