using System.Diagnostics;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Runs the built <c>pipewatch</c> as a child process: for inputs that could crash or hang a process, and for limits (heap) set from outside.</summary>
internal static class CliProcess
{
    /// <summary>The program beside the test assembly (the CLI project is referenced, so its build is copied here).</summary>
    public static string Program { get; } = Path.Combine(AppContext.BaseDirectory, "pipewatch.dll");

    /// <param name="stdin">Written to the program's standard input, which is then closed; null leaves it empty.</param>
    public static Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, Stream? stdin, TimeSpan timeout, params string[] args) =>
        RunAsync(null, workingDirectory, environment, stdin, timeout, args);

    /// <summary>As another user (file modes apply to it, unlike to root): started through setpriv, which a root test process may use.</summary>
    public static Task<CliResult> RunAsAsync(int uid, string workingDirectory, params string[] args) =>
        RunAsync(uid, workingDirectory, new Dictionary<string, string> { ["HOME"] = Path.GetTempPath(), ["DOTNET_CLI_HOME"] = Path.GetTempPath() }, null, TimeSpan.FromMinutes(1), args);

    private static async Task<CliResult> RunAsync(int? uid, string workingDirectory, IReadOnlyDictionary<string, string>? environment, Stream? stdin, TimeSpan timeout, string[] args)
    {
        var info = new ProcessStartInfo(uid is null ? "dotnet" : "setpriv")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (uid is { } id)
        {
            foreach (var arg in new[] { $"--reuid={id}", $"--regid={id}", "--clear-groups", "dotnet" }) info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add(Program);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["PIPEWATCH_STORE"] = Path.Combine(workingDirectory, ".pipewatch", "pipewatch.db");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            if (stdin is not null) await stdin.CopyToAsync(process.StandardInput.BaseStream, TestContext.Current.CancellationToken);
        }
        catch (IOException)
        {
            // The program stopped reading early; what it did is in its output and exit code.
        }

        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"pipewatch {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }
}
