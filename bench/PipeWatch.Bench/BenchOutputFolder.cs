namespace PipeWatch.Bench;

/// <summary>
/// A folder a suite fills with generated files and empties again on its next run: it deletes only a folder it wrote
/// itself (one holding its marker file), and one outside <c>bench/out</c> only when told to with <c>--force</c>.
/// </summary>
internal static class BenchOutputFolder
{
    /// <summary>The file that marks a folder as written by a suite.</summary>
    public const string MarkerName = ".pipewatch-bench-output";

    /// <summary>
    /// Makes <paramref name="folder"/> an empty, marked folder; returns null, or why it refused and left the folder as it was.
    /// </summary>
    /// <param name="benchOut">The repository's <c>bench/out</c>: inside it a marked folder is replaced without <paramref name="force"/>.</param>
    public static string? Prepare(string folder, string benchOut, bool force)
    {
        var full = Path.GetFullPath(folder);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            if (!File.Exists(Path.Combine(full, MarkerName)))
            {
                return $"{full} is not empty and was not written by a bench suite (it has no {MarkerName}); remove it yourself or give another --out";
            }

            if (!IsInside(full, benchOut) && !force)
            {
                return $"{full} is outside {Path.GetFullPath(benchOut)}; give --force to let the suite delete and rewrite it";
            }

            Directory.Delete(full, recursive: true);
        }

        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, MarkerName), "Written by PipeWatch.Bench; its next run deletes this folder and writes it again.\n");
        return null;
    }

    private static bool IsInside(string path, string root)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
