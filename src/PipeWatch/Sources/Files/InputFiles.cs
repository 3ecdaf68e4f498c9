using PipeWatch.Diagnostics;
using PipeWatch.Sources.JobLogs;

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
    /// <see cref="LineFormats">line format</see>, a <see cref="JobLogArchiveSource"/> for a zip, a <see cref="JobLogSource"/>
    /// when a <see cref="JobLogFormats">job log format</see> recognizes it, else a <see cref="JsonFileSource"/>;
    /// with <paramref name="forced"/>, a <see cref="JsonFileSource"/> reading every document as that format.
    /// </summary>
    public static IReadOnlyList<ISource> Sources(IReadOnlyList<string> files, IPayloadFormat? forced = null) =>
        [.. files.Select(f => forced is not null ? new JsonFileSource(f, PayloadFormats.All, forced) : SourceFor(f))];

    /// <summary>One source per file, every file (or every entry of a zip) read as the job log format <paramref name="forced"/>.</summary>
    public static IReadOnlyList<ISource> Sources(IReadOnlyList<string> files, IJobLogFormat forced) =>
        [.. files.Select(f => JobLogArchiveSource.IsArchive(f) ? new JobLogArchiveSource(f, forced) : (ISource)JobLogSource.ForFile(f, forced))];

    private static ISource SourceFor(string file)
    {
        if (TextLineSource.Detect(file, LineFormats.All) is { } line) return new TextLineSource(file, line);
        if (JobLogArchiveSource.IsArchive(file)) return new JobLogArchiveSource(file);
        if (JobLogFormats.Detect(file) is { } log) return JobLogSource.ForFile(file, log);
        return new JsonFileSource(file, PayloadFormats.All);
    }

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
