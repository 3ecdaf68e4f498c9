using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using PipeWatch.Sources.JobLogs;
using PipeWatch.Sources.Lockfiles;

namespace PipeWatch.Sources.Files;

/// <summary>Turns the paths given to <c>ingest</c> into one source per file: folders are walked recursively, in name order.</summary>
public static class InputFiles
{
    /// <summary>What <c>-</c> on a command line stands for: standard input, read as a pipe.</summary>
    public const string StandardInput = "/dev/stdin";

    /// <summary>The files under <paramref name="paths"/>; a missing path is reported, hidden folders (.git…) are skipped.</summary>
    /// <remarks>
    /// A folder at the top of a git work tree (it has a <c>.git</c>) is a checkout: only its dependency files are taken
    /// (<see cref="LockfileParsers"/>, by name), <c>.github/workflows</c> and <c>.gitlab-ci.yml</c> included, <c>node_modules</c> skipped.
    /// </remarks>
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
                if (Checkout.IsRoot(path)) WalkCheckout(path, files);
                else Walk(path, files, [], problems);
                if (files.Count == before) problems.Report(new Problem(path, Checkout.IsRoot(path) ? "checkout holds no dependency files" : "folder holds no files"));
            }
            else
            {
                problems.Report(new Problem(path, "no such file or folder"));
            }
        }

        return files;
    }

    /// <summary>The bytes of <paramref name="files"/> for progress; a file gone since it was listed counts 0 (its source reports it when it cannot open it).</summary>
    public static long TotalLength(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var total = 0L;
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            if (info.Exists) total += info.Length;
        }

        return total;
    }

    /// <summary>
    /// One source per file: a <see cref="LockfileSource"/> for a dependency file (by its name), a <see cref="TextLineSource"/> when the file's first non-blank line is of a known
    /// <see cref="LineFormats">line format</see>, a <see cref="JobLogArchiveSource"/> for a zip, a <see cref="JobLogSource"/>
    /// when a <see cref="JobLogFormats">job log format</see> recognizes it, else a <see cref="JsonFileSource"/>;
    /// with <paramref name="forced"/>, a <see cref="JsonFileSource"/> reading every document as that format.
    /// </summary>
    /// <param name="files">The files.</param>
    /// <param name="forced">The payload format to read every file as, or null to recognize each.</param>
    /// <param name="dependencyStamp">The state of the advisory index, for <see cref="LockfileSource"/> ids; null for none.</param>
    public static IReadOnlyList<ISource> Sources(IReadOnlyList<string> files, IPayloadFormat? forced = null, string? dependencyStamp = null) =>
        [.. files.Select(f => forced is not null ? new JsonFileSource(f, PayloadFormats.All, forced) : SourceFor(f, dependencyStamp))];

    /// <summary>One source per file, every file (or every entry of a zip) read as the job log format <paramref name="forced"/>.</summary>
    public static IReadOnlyList<ISource> Sources(IReadOnlyList<string> files, IJobLogFormat forced) =>
        [.. files.Select(f => JobLogArchiveSource.IsArchive(f) ? new JobLogArchiveSource(f, forced) : (ISource)JobLogSource.ForFile(f, forced))];

    private static ISource SourceFor(string file, string? dependencyStamp)
    {
        // Named explicitly (a walk skips them): a pipe is read once, its format told from its first bytes.
        if (FileKind.Of(file).Kind == FileKind.Kind.Other) return PipeSource.ForPath(file);
        if (LockfileParsers.For(file.Replace('\\', '/')) is { } parser) return new LockfileSource(file, parser, dependencyStamp);
        if (Runner.Collectors.AuditdSource.Detect(file)) return new Runner.Collectors.AuditdSource(file);
        if (Runner.Prometheus.ExpositionFileSource.Detect(file, declaredOnly: true)) return new Runner.Prometheus.ExpositionFileSource(file);
        if (TextLineSource.Detect(file, LineFormats.All) is { } line) return new TextLineSource(file, line);
        if (JobLogArchiveSource.IsArchive(file)) return new JobLogArchiveSource(file);
        if (JobLogFormats.Detect(file) is { } log) return JobLogSource.ForFile(file, log);
        if (Runner.Prometheus.ExpositionFileSource.Detect(file)) return new Runner.Prometheus.ExpositionFileSource(file);
        return new JsonFileSource(file, PayloadFormats.All);
    }

    private static void WalkCheckout(string folder, List<string> files)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 };
        files.AddRange(Directory.EnumerateFiles(folder, "*", options)
            .Where(f => LockfileParsers.For(f.Replace('\\', '/')) is not null && FileKind.Of(f).Kind != FileKind.Kind.Other).Order(StringComparer.Ordinal));
        foreach (var sub in Directory.EnumerateDirectories(folder, "*", options)
            .Where(d => Path.GetFileName(d) is var name && (name == ".github" || !(name.StartsWith('.') || name == "node_modules")) && new DirectoryInfo(d).LinkTarget is null)
            .Order(StringComparer.Ordinal))
        {
            WalkCheckout(sub, files);
        }
    }

    // Folders are walked once each (by device and inode) and a link to a folder is not followed, so a loop of links ends;
    // only regular files are taken (a FIFO found by walking would block the read for ever, a device never ends).
    private static void Walk(string folder, List<string> files, HashSet<(ulong, ulong)> visited, IProblemReporter problems)
    {
        var (kind, device, inode) = FileKind.Of(folder);
        if (kind == FileKind.Kind.Directory && !visited.Add((device, inode))) return;
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden };
        foreach (var file in Directory.EnumerateFiles(folder, "*", options).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            if (FileKind.Of(file).Kind == FileKind.Kind.Other) problems.Report(new Problem(file, "not a regular file (a FIFO, socket or device): skipped"));
            else files.Add(file);
        }

        foreach (var sub in Directory.EnumerateDirectories(folder, "*", options).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            if (new DirectoryInfo(sub).LinkTarget is not null) continue;
            Walk(sub, files, visited, problems);
        }
    }
}
