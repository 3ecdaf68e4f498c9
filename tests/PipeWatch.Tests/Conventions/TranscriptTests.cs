using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>
/// The documentation cannot drift from the program: every <c>```console</c> block of the README and of docs/ is run, command
/// by command, in a fresh temporary folder holding a copy of <c>samples/</c> (one folder per document, so a document's
/// commands build on each other), and the output it shows must be what the program prints, times and paths normalized.
/// </summary>
/// <remarks>
/// A line starting with <c>$ </c> is a command, run by bash with <c>pipewatch</c> the built program; the lines after it, up
/// to the next command, are its output (stdout and stderr as a terminal shows them, without colour).
/// </remarks>
public sealed partial class TranscriptTests
{
    public static TheoryData<string> Documents()
    {
        var root = Corpus.RepositoryRoot;
        var documents = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Prepend(Path.Combine(root, "README.md")).Order(StringComparer.Ordinal))
        {
            if (ConsoleBlock().IsMatch(File.ReadAllText(path))) documents.Add(Path.GetRelativePath(root, path));
        }

        return documents;
    }

    [Fact]
    public void The_readme_has_a_tour_to_run()
    {
        Assert.Contains("README.md", Documents().Select(d => d.Data));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Every_command_shown_prints_what_the_document_shows(string document)
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("the transcripts are bash sessions");
        using var temp = new TempFolder();
        CopySamples(Path.Combine(temp.Path, "samples"));
        var bin = Directory.CreateDirectory(Path.Combine(temp.Path, ".bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "pipewatch"), $"#!/bin/sh\nexec dotnet '{CliProcess.Program}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(bin, "pipewatch"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var steps = Steps(File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, document))).ToList();
        Assert.NotEmpty(steps);
        foreach (var (command, shown) in steps)
        {
            var printed = await RunAsync(command, temp.Path, bin);
            Assert.True(
                Normalize(printed, temp.Path) == Normalize(shown, temp.Path),
                $"{document}: '$ {command}' printed:\n{printed}\n--- the document shows:\n{shown}");
        }
    }

    /// <summary>The (command, shown output) pairs of every console block, in order.</summary>
    private static IEnumerable<(string Command, string Shown)> Steps(string markdown)
    {
        foreach (Match block in ConsoleBlock().Matches(markdown))
        {
            string? command = null;
            var shown = new StringBuilder();
            foreach (var line in block.Groups[1].Value.Split('\n'))
            {
                if (line.StartsWith("$ ", StringComparison.Ordinal))
                {
                    if (command is not null) yield return (command, shown.ToString());
                    command = line[2..];
                    shown.Clear();
                }
                else
                {
                    shown.Append(line).Append('\n');
                }
            }

            if (command is not null) yield return (command, shown.ToString());
        }
    }

    private static async Task<string> RunAsync(string command, string folder, string bin)
    {
        var info = new ProcessStartInfo("bash", ["-c", command + " 2>&1"]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["HOME"] = folder;
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("PIPEWATCH_STORE");
        info.Environment.Remove("PIPEWATCH_VULNDB");
        info.Environment.Remove("XDG_CACHE_HOME");
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return output;
    }

    /// <summary>Line endings, trailing blank lines, elapsed seconds and the temporary folder (shown as a checkout named my-project) do not count.</summary>
    private static string Normalize(string text, string folder) =>
        Seconds().Replace(
            text.Replace(folder, "<folder>", StringComparison.Ordinal).Replace(Path.GetFileName(folder), "my-project", StringComparison.Ordinal).ReplaceLineEndings("\n"),
            "in N s").TrimEnd('\n');

    private static void CopySamples(string target)
    {
        var samples = Path.Combine(Corpus.RepositoryRoot, "samples");
        foreach (var file in Directory.EnumerateFiles(samples, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(samples, file);
            if (relative.StartsWith("out", StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }
    }

    [GeneratedRegex("```console\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ConsoleBlock();

    [GeneratedRegex(@"in \d+\.\d s")]
    private static partial Regex Seconds();
}
