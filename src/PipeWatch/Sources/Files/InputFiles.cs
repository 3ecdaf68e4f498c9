using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.Files;

/// <summary>Turns the paths given to <c>ingest</c> into one source per file: folders are walked recursively, in name order.</summary>
public static class InputFiles
{
    /// <summary>The files under <paramref name="paths"/>; a missing path is reported, hidden folders (.git…) are skipped.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths, IProblemReporter problems)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                var before = files.Count;
                Walk(path, files);
                if (files.Count == before) problems.Report(new Problem(path, "folder holds no files"));
            }
            else
            {
                problems.Report(new Problem(path, "no such file or folder"));
            }
        }

        return files;
    }

    /// <summary>
    /// One source per file: a <see cref="TextLineSource"/> when the file's first non-blank line is of a known
    /// <see cref="LineFormats">line format</see> (and no JSON format is forced), else a <see cref="JsonFileSource"/>.
    /// </summary>
    public static IReadOnlyList<ISource> Sources(IReadOnlyList<string> files, IPayloadFormat? forced = null) =>
        [.. files.Select(f => forced is null && TextLineSource.Detect(f, LineFormats.All) is { } format
            ? (ISource)new TextLineSource(f, format)
            : new JsonFileSource(f, PayloadFormats.All, forced))];

    private static void Walk(string folder, List<string> files)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden };
        files.AddRange(Directory.EnumerateFiles(folder, "*", options).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal));
        foreach (var sub in Directory.EnumerateDirectories(folder, "*", options).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            Walk(sub, files);
        }
    }
}
