namespace PipeWatch.Sinks;

/// <summary>Paths of findings as a report names them: relative to the folder the report is about, when they lie inside it.</summary>
internal static class BasePaths
{
    /// <summary>The segments of <paramref name="file"/> (an absolute path) relative to <paramref name="baseDirectory"/>; null when it lies outside.</summary>
    public static string[]? Inside(string baseDirectory, string file)
    {
        var relative = Path.GetRelativePath(baseDirectory, Path.GetFullPath(file));
        var outside = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative);
        return outside ? null : relative.Split(Path.DirectorySeparatorChar);
    }
}
