using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A real PostgreSQL server (Debian's postgresql, installed by .ci/run) for the tests of the <c>postgres</c> collection: initdb
/// into a temp folder, <c>postgres</c> on a free loopback port with password authentication, stopped when the collection ends.
/// Each test takes a database of its own (<see cref="NewStoreAsync"/>, or <see cref="StorePair"/> beside a SQLite store).
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, and this machine and CI run as root: then initdb and postgres run as the unprivileged
/// <c>postgres</c> user (or <c>nobody</c>) through <c>setpriv</c>, which execs in place, so the process started here is the
/// server itself; the temp folder is given to that user. Not root: they run directly.
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The xunit collection whose tests share the server.</summary>
    public const string Collection = "postgres";

    public const string User = "pipewatch";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();
    private Process? _process;
    private string? _runAs;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>The superuser's password: random per run, never on a command line.</summary>
    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>A libpq password file naming this server (host:port:*:user:password), for <c>PGPASSFILE</c> or <c>passfile=</c>.</summary>
    public string PassFile => _folder.File("pgpass");

    /// <summary>The folder of the server binaries: the newest <c>/usr/lib/postgresql/N/bin</c>, or <c>PIPEWATCH_PG_BIN</c>.</summary>
    public static string? BinFolder { get; } = FindBinFolder();

    /// <summary>An Npgsql connection string to <paramref name="database"/> with the password, for the tests' own set-up.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = Host, Port = Port, Username = User, Password = Password, Database = database, Pooling = false }.ToString();

    /// <summary>The store location of <paramref name="database"/> as a URI without a password (<see cref="PassFile"/> gives it).</summary>
    public string Uri(string database) => $"postgres://{User}@{Host}:{Port}/{database}?passfile={System.Uri.EscapeDataString(PassFile)}";

    /// <summary>A new empty database's store location (<see cref="Uri"/>): what a test opens with <c>StoreFactory.Open</c> or hands to a process.</summary>
    public async Task<string> NewStoreAsync() => Uri(await CreateDatabaseAsync());

    /// <summary>A new empty database with a unique name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("n");
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public async ValueTask InitializeAsync()
    {
        Assert.True(BinFolder is not null, "PostgreSQL's server binaries are missing (/usr/lib/postgresql/N/bin): .ci/run installs postgresql (apt-get install postgresql)");
        if (Environment.UserName == "root" || IsRoot())
        {
            _runAs = File.ReadLines("/etc/passwd").Any(l => l.StartsWith("postgres:", StringComparison.Ordinal)) ? "postgres" : "nobody";
        }

        var data = _folder.File("data");
        var pwfile = _folder.File("pwfile");
        await File.WriteAllTextAsync(pwfile, Password + "\n");
        if (_runAs is not null) await RunAsync("chown", ["-R", $"{_runAs}:", _folder.Path]);
        await RunAsync(Path.Combine(BinFolder!, "initdb"), [
            "-D", data, "-U", User, "--pwfile", pwfile, "--auth-host=scram-sha-256", "--auth-local=trust",
            "-E", "UTF8", "--locale=C", "--no-sync"], asServer: true);
        File.Delete(pwfile);

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Port = FreePort();
            await File.WriteAllTextAsync(PassFile, $"{Host}:{Port}:*:{User}:{Password}\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(PassFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                await StartAsync(data);
                return;
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("already in use", StringComparison.Ordinal))
            {
                // The port was taken between the probe and the bind: another one.
                last = ex;
            }
        }

        throw last!;
    }

    /// <summary>
    /// Stops the server (a fast shutdown: every client's connection is cut) and starts it again on the same port and data after
    /// <paramref name="down"/>, as an operator's restart or a failover would.
    /// </summary>
    public async Task RestartAsync(TimeSpan down)
    {
        await StopAsync();
        await Task.Delay(down);
        await StartAsync(_folder.File("data"));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _folder.Dispose();
    }

    private async Task StopAsync()
    {
        if (_process is not null)
        {
            // A fast shutdown (SIGINT through pg_ctl), then a kill if it hangs.
            try
            {
                await RunAsync(Path.Combine(BinFolder!, "pg_ctl"), ["stop", "-D", _folder.File("data"), "-m", "fast", "-w", "-t", "15"], asServer: true);
            }
            catch (InvalidOperationException)
            {
                // Reported below by the kill, if it is still running.
            }

            if (!_process.HasExited) _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            _process.Dispose();
            _process = null;
        }
    }

    private async Task StartAsync(string data)
    {
        var log = _folder.File("postgres.log");
        // No Unix socket (only the loopback port), fsync off: a test server, thrown away at the end.
        var start = Start(Path.Combine(BinFolder!, "postgres"), [
            "-D", data, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200", "-c", $"log_directory={_folder.Path}", "-c", "logging_collector=off"]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString());
                await connection.OpenAsync();
                _process = process;
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException)
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    if (!process.HasExited) process.Kill();
                    await process.WaitForExitAsync();
                    string said;
                    lock (output) said = output.ToString().Trim();
                    throw new InvalidOperationException(
                        $"postgres did not accept connections on {Host}:{Port} within {StartTimeout.TotalSeconds:0} s ({(process.HasExited ? "it exited" : "still starting")}): {ex.Message}; its output: {said}");
                }

                await Task.Delay(100);
            }
        }
    }

    private ProcessStartInfo Start(string executable, IReadOnlyList<string> arguments, bool asServer = true)
    {
        var start = _runAs is not null && asServer
            ? new ProcessStartInfo("setpriv", [$"--reuid={_runAs}", $"--regid={_runAs}", "--init-groups", "--", executable, .. arguments])
            : new ProcessStartInfo(executable, arguments);
        start.UseShellExecute = false;
        start.WorkingDirectory = _folder.Path;
        return start;
    }

    private async Task RunAsync(string executable, IReadOnlyList<string> arguments, bool asServer = false)
    {
        var start = Start(executable, arguments, asServer);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(StartTimeout);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(executable)} exited with {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}");
        }
    }

    private static bool IsRoot()
    {
        try
        {
            return File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string? FindBinFolder()
    {
        if (Environment.GetEnvironmentVariable("PIPEWATCH_PG_BIN") is { Length: > 0 } given) return given;
        if (!Directory.Exists("/usr/lib/postgresql")) return null;
        return Directory.EnumerateDirectories("/usr/lib/postgresql")
            .Select(d => (Folder: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
            .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Folder, "postgres")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Folder)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>The tests that share one <see cref="PostgresServer"/>.</summary>
[CollectionDefinition(PostgresServer.Collection)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;
