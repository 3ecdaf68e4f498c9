using System.Globalization;
using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Bench;

/// <summary>
/// bench/secret-recall, the labelled set the secret-tools comparison judges recall on: every file is labelled once, every
/// label points at lines the file has, and <c>scan --no-git</c> finds every labelled secret and flags no negative file (the recall bench/README.md states).
/// </summary>
public sealed class SecretRecallSetTests
{
    private static readonly string Root = Path.Combine(Corpus.RepositoryRoot, "bench", "secret-recall");

    private static readonly List<Label> Labels = [.. File.ReadLines(Path.Combine(Root, "labels.tsv"))
        .Where(l => !l.StartsWith('#') && l.Length > 0)
        .Select(l => l.Split('\t'))
        .Select(f => new Label(f[0], f[3] == "none" ? null : int.Parse(f[1], CultureInfo.InvariantCulture), f[3] == "none" ? null : int.Parse(f[2], CultureInfo.InvariantCulture), f[3]))];

    [Fact]
    public void Every_file_is_labelled_once_and_every_secret_s_lines_are_in_its_file()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Root, "files"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(Root, "files"), f).Replace('\\', '/'));

        Assert.Equal(files.Order(StringComparer.Ordinal), Labels.Select(l => l.File).Order(StringComparer.Ordinal));
        Assert.All(Labels, label =>
        {
            Assert.Equal(label.Kind == "none", label.File.StartsWith("negative/", StringComparison.Ordinal));
            if (label.First is not { } first) return;
            var lines = File.ReadAllLines(Path.Combine(Root, "files", label.File)).Length;
            Assert.True(first >= 1 && first <= label.Last && label.Last <= lines, $"{label.File}: lines {first}-{label.Last} of {lines}");
        });
    }

    [Fact]
    public async Task Scan_finds_every_labelled_secret_on_its_lines_and_flags_no_negative_file()
    {
        var result = await new CliRunner(Path.Combine(Root, "files")).RunAsync("scan", "--no-git", ".", "--format", "json", "--fail-on", "none");

        var hits = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(f => f.GetProperty("category").GetString()!.StartsWith("secrets.", StringComparison.Ordinal))
            .Select(f => (File: f.GetProperty("location").GetProperty("file").GetString()!.Replace("./", "", StringComparison.Ordinal), Line: f.GetProperty("location").GetProperty("line").GetInt32()))
            .ToList();
        var missed = Labels.Where(l => l.First is not null && !hits.Any(h => h.File == l.File && h.Line >= l.First && h.Line <= l.Last)).Select(l => l.File);
        var falseAlarms = Labels.Where(l => l.First is null && hits.Any(h => h.File == l.File)).Select(l => l.File);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(38, Labels.Count(l => l.First is not null));
        Assert.Empty(missed);
        Assert.Empty(falseAlarms);
    }

    private sealed record Label(string File, int? First, int? Last, string Kind);
}
