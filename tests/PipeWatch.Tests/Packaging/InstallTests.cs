using System.Diagnostics;
using PipeWatch.Cli;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Packaging;

/// <summary>
/// Installing without building: the tool package from a local folder feed into a temporary tool path, run for --version and
/// a scan. Built from a copy of the sources, so the test build is not touched.
/// </summary>
public sealed class InstallTests : IDisposable
{
    private const string AwsKey = "AKIAQWERTYUIOPASDFGH";
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(15);
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_tool_package_installs_from_a_folder_feed_and_scans()
    {
        var source = CopySources();
        var feed = _temp.File("feed");
        await RunAsync("dotnet", source, "pack", "src/PipeWatch.Cli", "-c", "Release", "-o", feed, "--nologo", "-v", "q");
        // Only the folder feed: a package of the same name elsewhere must not be the one installed.
        File.WriteAllText(_temp.File("nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{feed}" /></packageSources></configuration>
            """);
        var tools = _temp.File("tools");

        await RunAsync("dotnet", _temp.Path, "tool", "install", "PipeWatch.Cli", "--version", PipeWatchApp.Version, "--tool-path", tools, "--configfile", _temp.File("nuget.config"));
        var version = await RunAsync(Path.Combine(tools, "pipewatch"), _temp.Path, "--version");

        Assert.StartsWith(PipeWatchApp.Version, version.Output.Trim(), StringComparison.Ordinal);
        await AssertScansAsync(Path.Combine(tools, "pipewatch"));
        Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
    }

    [Fact]
    public async Task The_single_file_binary_runs_alone_and_scans()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Skip("the release binary tested here is linux-x64");
        }

        var source = CopySources();
        var output = _temp.File("release");
        await RunAsync("dotnet", source, "publish", "src/PipeWatch.Cli", "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo", "-v", "q");

        // One file, self-contained: no runtime, no assemblies, symbols or satellite-language folders beside it.
        Assert.Equal(["pipewatch"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
        var binary = Path.Combine(output, "pipewatch");
        var version = await RunAsync(binary, _temp.Path, "--version");
        Assert.StartsWith(PipeWatchApp.Version, version.Output.Trim(), StringComparison.Ordinal);
        await AssertScansAsync(binary, withoutDotnet: true);
    }

    private async Task AssertScansAsync(string pipewatch, bool withoutDotnet = false)
    {
        var folder = Directory.CreateDirectory(_temp.File($"scan-{Guid.NewGuid():n}")).FullName;
        File.WriteAllText(Path.Combine(folder, "deploy.env"), $"aws_access_key_id = {AwsKey}\n");

        var scan = await RunAsync(pipewatch, folder, expectedExit: 1, withoutDotnet, "scan", "--no-git", ".", "--format", "json");

        Assert.Contains("\"rule\":\"aws-access-key-id\"", scan.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AwsKey, scan.Output, StringComparison.Ordinal);
    }

    /// <summary>The sources a build needs, without build outputs: src, rules and the files at the root.</summary>
    private string CopySources()
    {
        var target = _temp.File("source");
        var root = Corpus.RepositoryRoot;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "README.md", "LICENSE", "THIRD-PARTY-NOTICES" })
        {
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(root, file), Path.Combine(target, file));
        }

        foreach (var folder in new[] { "src", "rules" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
                File.Copy(file, Path.Combine(target, relative));
            }
        }

        return target;
    }

    private static Task<CliResult> RunAsync(string program, string workingDirectory, params string[] args) => RunAsync(program, workingDirectory, 0, false, args);

    /// <param name="withoutDotnet">Run with DOTNET_ROOT pointing at nothing: a self-contained binary must not need an installed runtime.</param>
    private static async Task<CliResult> RunAsync(string program, string workingDirectory, int expectedExit, bool withoutDotnet, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (withoutDotnet)
        {
            info.Environment["DOTNET_ROOT"] = Path.Combine(workingDirectory, "no-dotnet-here");
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Slow);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within {Slow.TotalMinutes:0} minutes");
        }

        var result = new CliResult(process.ExitCode, await output, await error);
        Assert.True(result.ExitCode == expectedExit, $"{Path.GetFileName(program)} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Output}\n{result.Error}");
        return result;
    }
}
