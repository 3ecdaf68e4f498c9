namespace PipeWatch.Bench;

/// <summary>The clones of real public repositories the issue-26 suites read (never committed): <c>$PIPEWATCH_BENCH_REPOS</c>, default /work/repos/speed.</summary>
internal static class RealRepositories
{
    /// <summary>The folder holding the clones; null, after saying so on <paramref name="output"/>, when it is missing.</summary>
    public static string? Folder(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var folder = Environment.GetEnvironmentVariable("PIPEWATCH_BENCH_REPOS") is { Length: > 0 } set ? set : "/work/repos/speed";
        if (Directory.Exists(folder)) return folder;
        output.WriteLine($"no repositories under {folder} (set PIPEWATCH_BENCH_REPOS)");
        return null;
    }
}
