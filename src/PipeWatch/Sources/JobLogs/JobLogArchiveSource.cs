using System.IO.Compression;
using System.Runtime.CompilerServices;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.JobLogs;

/// <summary>Reads a zip of job logs, as GitHub's "Download log archive" gives (<c>logs_RUN.zip</c>): each entry in name order through its own format.</summary>
/// <remarks>An entry no format recognizes (and not a <c>.txt</c>/<c>.log</c>) is reported and skipped; a damaged archive is reported once.</remarks>
internal sealed class JobLogArchiveSource : ISource
{
    private readonly string _path;
    private readonly IJobLogFormat? _forced;

    public JobLogArchiveSource(string path, IJobLogFormat? forced = null)
    {
        _path = path;
        _forced = forced;
    }

    public string Path => _path;

    /// <summary>True when the file starts with a zip signature.</summary>
    public static bool IsArchive(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Span<byte> head = stackalloc byte[4];
            return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("PK\u0003\u0004"u8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            context.Problems.Report(new Problem(_path, $"cannot read the zip archive: {ex.Message}"));
            yield break;
        }

        using (archive)
        {
            foreach (var entry in archive.Entries.Where(e => !e.FullName.EndsWith('/')).OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                var origin = JobLogOrigin.FromArchiveEntry(_path, entry.FullName);
                IJobLogFormat? format;
                try
                {
                    using var head = entry.Open();
                    format = _forced ?? JobLogFormats.Detect(head, entry.Name);
                }
                catch (InvalidDataException ex)
                {
                    context.Problems.Report(new Problem(origin.File, $"damaged archive entry: {ex.Message}"));
                    continue;
                }

                if (format is null)
                {
                    context.Problems.Report(new Problem(origin.File, "not a job log of a known format ('pipewatch ingest --help' lists them); skipped"));
                    continue;
                }

                var source = new JobLogSource(origin, format, entry.Open);
                await foreach (var e in source.ReadAsync(context, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }
            }
        }
    }
}
