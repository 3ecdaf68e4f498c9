using System.Text;
using PipeWatch.Detectors;
using PipeWatch.Sinks;

namespace PipeWatch.Cli.Rendering;

/// <summary>Makes the sink for a <c>--format</c> and <c>--output</c>.</summary>
internal static class FindingOutput
{
    /// <summary>
    /// The sink that writes the chosen format: JSON Lines stream to the target; SARIF and GitLab's report are written whole
    /// at the end, as is a table to a file (plain text). Null for a table on stdout, which the command renders itself from
    /// all new findings.
    /// </summary>
    /// <param name="projectRoot">The folder SARIF and GitLab reports make paths relative to; the working directory when null.
    /// The output file itself is always resolved against the working directory.</param>
    public static IFindingSink? Create(string format, string? outputFile, CliHost host, IEnumerable<DetectorInfo> rules, string? projectRoot = null)
    {
        if (format == "table" && outputFile is null) return null;
        var target = outputFile is null ? host.Out : Open(host.Resolve(outputFile));
        var owns = outputFile is not null;
        var root = projectRoot ?? host.WorkingDirectory;
        return format switch
        {
            "json" => new JsonLinesSink(target, owns),
            "ecs" or "ocsf" or "cef" => SiemLinesSink.Create(format, target, PipeWatchApp.Version, owns),
            "sarif" => new SarifSink(target, rules, PipeWatchApp.Version, root, owns),
            "gitlab-secret-detection" => new GitLabSecretDetectionSink(target, rules, PipeWatchApp.Version, host.Time, root, owns),
            _ => new PlainFileSink(target, host),
        };
    }

    /// <summary>The sinks of <c>--report FORMAT=FILE</c> values (validated by the option), each writing its own file.</summary>
    public static IEnumerable<IFindingSink> Reports(IEnumerable<string> reports, CliHost host, IEnumerable<DetectorInfo> rules, string? projectRoot = null)
    {
        var infos = rules.ToList();
        foreach (var report in reports)
        {
            if (Commands.CommonOptions.ParseReport(report) is not var (format, file)) continue;
            if (Create(format, file, host, infos, projectRoot) is { } sink) yield return sink;
        }
    }

    // The output file, written beside and renamed over the path at the end (a symlink there is replaced, not followed; a
    // device such as /dev/null is written in place); a folder that is missing or not writable is the user's to fix, named as such.
    internal static StreamWriter Open(string path)
    {
        try
        {
            return new StreamWriter(ReplacingFileStream.Open(path), new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputFileException($"{path}: cannot write ({ex.Message})", ex);
        }
    }

    /// <summary>Collects, then writes the plain table to a file at completion.</summary>
    private sealed class PlainFileSink(TextWriter file, CliHost host) : IFindingSink
    {
        private readonly CollectingSink _findings = new();

        public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken) =>
            _findings.EmitAsync(batch, cancellationToken);

        public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
        {
            FindingsView.Render(_findings.Findings, host with { Out = file, Interactive = false });
            await file.DisposeAsync();
            return SinkResult.Ok;
        }
    }
}

/// <summary>An output file that cannot be written: a usage error (exit 2), reported in one line naming the file.</summary>
internal sealed class OutputFileException(string message, Exception inner) : Exception(message, inner);
