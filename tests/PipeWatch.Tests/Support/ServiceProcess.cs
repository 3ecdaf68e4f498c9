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
