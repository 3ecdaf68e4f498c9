using System.Text.RegularExpressions;

namespace PipeWatch.Sources.JobLogs;

/// <summary>What a log's path says about it: the pipeline, run and job, and the step of a per-step file.</summary>
/// <param name="File">The name findings show: the file's path, or <c>ARCHIVE.zip/ENTRY</c> for a log inside an archive.</param>
internal sealed partial record JobLogOrigin(string File, string? Pipeline, string? RunId, string? Job, string? StepHint)
{
    /// <summary>
    /// Reads a log file's path: a GitHub download (<c>logs_RUN/N_JOB.txt</c>, <c>logs_RUN/JOB/N_STEP.txt</c>), a Jenkins build log
    /// (<c>jobs/A/jobs/B/builds/12/log</c>: pipeline <c>A/B</c>, run 12), a GitLab trace (<c>JOBID.log</c>), else the file name as the job.
    /// </summary>
    public static JobLogOrigin FromPath(string path)
    {
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (JenkinsBuild(parts) is { } jenkins) return jenkins with { File = path };
        var runAt = Array.FindLastIndex(parts, p => GitHubRun().IsMatch(p));
        var run = runAt >= 0 ? GitHubRun().Match(parts[runAt]).Groups[1].Value : null;
        return FromNames(path, run, runAt >= 0 ? parts[(runAt + 1)..] : parts[^Math.Min(2, parts.Length)..], runAt >= 0);
    }

    /// <summary>Reads an archive entry's name (<c>N_JOB.txt</c> or <c>JOB/N_STEP.txt</c>), with the run from the archive's name (<c>logs_RUN.zip</c>).</summary>
    public static JobLogOrigin FromArchiveEntry(string archive, string entry)
    {
        var match = GitHubRun().Match(Path.GetFileName(archive));
        var parts = entry.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return FromNames($"{archive}/{entry}", match.Success ? match.Groups[1].Value : null, parts, inRun: true);
    }

    // names: the path parts after the run folder (or the last two when there is none).
    private static JobLogOrigin FromNames(string file, string? run, string[] names, bool inRun)
    {
        var stem = Path.GetFileNameWithoutExtension(names[^1]);
        var numbered = Numbered().Match(stem);
        var name = numbered.Success ? numbered.Groups[1].Value : stem;
        // Inside a run's folder or archive, a numbered file in a sub-folder is one step of the job the folder names.
        if (inRun && names.Length >= 2 && numbered.Success) return new JobLogOrigin(file, null, run, names[^2], name);
        return new JobLogOrigin(file, null, run, name, null);
    }

    private static JobLogOrigin? JenkinsBuild(string[] parts)
    {
        var builds = Array.LastIndexOf(parts, "builds");
        if (builds < 2 || builds + 1 >= parts.Length || !parts[builds + 1].All(char.IsAsciiDigit) || parts[builds - 2] != "jobs") return null;
        var names = new List<string>();
        for (var i = builds - 1; i >= 1 && parts[i - 1] == "jobs"; i -= 2) names.Insert(0, parts[i]);
        var pipeline = string.Join('/', names);
        return new JobLogOrigin(string.Empty, pipeline, parts[builds + 1], pipeline, null);
    }

    [GeneratedRegex(@"^logs_(\d+)(?:\.zip)?$", RegexOptions.CultureInvariant)]
    private static partial Regex GitHubRun();

    [GeneratedRegex(@"^\d+_(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Numbered();
}
