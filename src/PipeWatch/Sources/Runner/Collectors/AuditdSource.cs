using System.Runtime.CompilerServices;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources.Files;

namespace PipeWatch.Sources.Runner.Collectors;

/// <summary>Reads a Linux audit log file (raw, enriched or <c>ausearch -i</c>) through <see cref="AuditdLog"/>: program starts and connections.</summary>
/// <remarks>Blank lines are skipped; a line that is not an audit record is reported with the file and line number and skipped. Each event's origin is its first record's line.</remarks>
internal sealed class AuditdSource : ISource
{
    private const int HeadSize = 64 * 1024;

    private readonly string _path;
    private readonly Func<Stream> _open;

    public AuditdSource(string path)
        : this(path, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.SequentialScan))
    {
    }

    /// <summary>Reads the log <paramref name="open"/> gives (a body posted to serve's <c>/ingest</c>), named <paramref name="origin"/> in events and problems.</summary>
    public AuditdSource(string origin, Func<Stream> open)
    {
        _path = origin;
        _open = open;
    }

    /// <summary>True when the file's first non-blank line is an audit record.</summary>
    public static bool Detect(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var head = new byte[Math.Min(stream.Length, HeadSize)];
            var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return Detect(head.AsSpan(0, length));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The JSON source opens it again and reports why it cannot.
            return false;
        }
    }

    /// <summary>True when the text's first non-blank line (within its first 64 KiB) is an audit record, and it holds no NUL byte there.</summary>
    public static bool Detect(ReadOnlySpan<byte> text)
    {
        var head = text[..Math.Min(text.Length, HeadSize)];
        if (head.Contains((byte)0)) return false;
        var first = Encoding.UTF8.GetString(head).Split('\n').FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        return first is not null && AuditdLog.Recognizes(first);
    }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        StreamReader reader;
        try
        {
            reader = new StreamReader(_open(), Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Problems.Report(new Problem(_path, $"cannot open: {ex.Message}"));
            yield break;
        }

        using (reader)
        {
            var log = new AuditdLog();
            var lines = new BoundedLineReader(reader, TextLineSource.MaxLineChars);
            var number = 0;
            while (await lines.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                context.BytesRead?.Invoke(Encoding.UTF8.GetByteCount(line) + 1);
                if (lines.LastWasCut)
                {
                    context.Problems.Report(new Problem(_path, $"auditd: line longer than {TextLineSource.MaxLineChars:N0} characters; skipped", number));
                    continue;
                }

                if (string.IsNullOrWhiteSpace(line)) continue;
                var completed = log.Add(line, new Origin(_path, number), out var problem);
                foreach (var e in completed) yield return e;
                if (problem is not null) context.Problems.Report(new Problem(_path, $"auditd: {problem}", number));
            }

            foreach (var e in log.Finish()) yield return e;
        }
    }
}
