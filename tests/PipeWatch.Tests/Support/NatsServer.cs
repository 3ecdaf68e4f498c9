using System.Diagnostics;
using System.Text;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A real NATS server with JetStream (Debian's <c>nats-server</c>, installed by .ci/run), listening on a free loopback port below
/// the ephemeral range (<see cref="ServiceProcess.RestartablePort"/>) with its store in a temporary folder. It can be stopped and
/// started again on the same port and folder, so a test can restart it under load and find its streams as they were.
/// </summary>
internal sealed class NatsServer : IDisposable
{
    public const string Executable = "/usr/sbin/nats-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly TempFolder _folder = new();
    private readonly StringBuilder _log = new();
    private Process? _process;

    public NatsServer()
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: .ci/run installs it (apt-get install nats-server)");
        Port = ServiceProcess.RestartablePort();
        StoreFolder = System.IO.Path.Combine(_folder.Path, "jetstream");
        Start();
    }

    public int Port { get; }

    /// <summary>The client URL: <c>nats://127.0.0.1:PORT</c>.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>JetStream's store folder (kept across a restart).</summary>
    public string StoreFolder { get; }

    public bool Running => _process is { HasExited: false };

    /// <summary>Starts the server (again) on the same port and store folder, and waits until it says it is ready.</summary>
    public void Start()
    {
        if (Running) throw new InvalidOperationException("nats-server is already running");
        lock (_log) _log.Clear();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(Executable, ["-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", StoreFolder, "-n", $"pipewatch-test-{Port}"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
        };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null) return;
            lock (_log) _log.AppendLine(e.Data);
            if (e.Data.Contains("Server is ready", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        // The port may still be held for a moment by the server just stopped: nats-server then exits, and is started once more.
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!ready.Task.IsCompleted)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                if (Log.Contains("address already in use", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(200);
                    _process = null;
                    process.Dispose();
                    Start();
                    return;
                }

                throw new InvalidOperationException($"nats-server exited ({process.ExitCode}) before it was ready:\n{Log}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Stop();
                throw new TimeoutException($"nats-server was not ready within {StartTimeout.TotalSeconds} s:\n{Log}");
            }

            ready.Task.Wait(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Stops the server: SIGTERM (a clean shutdown, bounded) or, when <paramref name="kill"/>, SIGKILL.</summary>
    public void Stop(bool kill = false)
    {
        if (_process is not { } process) return;
        _process = null;
        try
        {
            if (!process.HasExited)
            {
                if (kill)
                {
                    process.Kill();
                }
                else
                {
                    using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
                    term.WaitForExit(5000);
                }
            }

            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    /// <summary>What the server printed since it was last started.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    public void Dispose()
    {
        Stop(kill: true);
        _folder.Dispose();
    }
}
