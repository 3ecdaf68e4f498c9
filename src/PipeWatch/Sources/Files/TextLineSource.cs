using System.Runtime.CompilerServices;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources.Intake;

namespace PipeWatch.Sources.Files;

/// <summary>Reads one plain-text log file line by line through its <see cref="ILineFormat"/>.</summary>
/// <remarks>Blank lines are skipped; a line the format cannot read is reported with the file and line number and skipped.</remarks>
internal sealed class TextLineSource : ISource
{
    /// <summary>How much of a file's start <see cref="Detect"/> reads to find its first non-blank line.</summary>
    private const int HeadSize = 64 * 1024;

    /// <summary>The longest line read (an audit-trail entry is a few hundred characters); a longer one is a problem, skipped without being held whole.</summary>
    internal const int MaxLineChars = 1 << 20;

    private readonly string _path;
    private readonly ILineFormat _format;

    public TextLineSource(string path, ILineFormat format)
    {
        _path = path;
        _format = format;
    }

    public string Path => _path;

    /// <summary>The format that recognizes the first non-blank line of the file, or null (not text, unreadable, JSON, or no format knows it).</summary>
    public static ILineFormat? Detect(string path, IReadOnlyList<ILineFormat> formats)
    {
        if (formats.Count == 0) return null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var head = new byte[Math.Min(stream.Length, HeadSize)];
            var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var bytes = head.AsSpan(0, length);
            if (bytes.StartsWith(FileShape.ByteOrderMark)) bytes = bytes[FileShape.ByteOrderMark.Length..];
            if (bytes.Contains((byte)0)) return null;
            foreach (var raw in Encoding.UTF8.GetString(bytes).Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (string.IsNullOrWhiteSpace(line)) continue;
                return line.TrimStart()[0] is '{' or '[' ? null : formats.FirstOrDefault(f => f.Recognizes(line));
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The JSON source opens it again and reports why it cannot.
            return null;
        }
    }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        StreamReader reader;
        try
        {
            reader = new StreamReader(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.SequentialScan), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Problems.Report(new Problem(_path, $"cannot open: {ex.Message}"));
            yield break;
        }

        using (reader)
        {
            var lineNumber = 0;
            var lines = new BoundedLineReader(reader, MaxLineChars);
            while (await lines.ReadLineAsync(cancellationToken) is { } line)
            {
                lineNumber++;
                context.BytesRead?.Invoke(Encoding.UTF8.GetByteCount(line) + 1);
                if (lines.LastWasCut)
                {
                    context.Problems.Report(new Problem(_path, $"{_format.Id}: line longer than {MaxLineChars:N0} characters; skipped", lineNumber));
                    continue;
                }

                if (string.IsNullOrWhiteSpace(line)) continue;
                if (_format.TryRead(line, new Origin(_path, lineNumber), out var e, out var reason))
                {
                    yield return e;
                }
                else
                {
                    context.Problems.Report(new Problem(_path, $"{_format.Id}: {reason}", lineNumber));
                }
            }
        }
    }
}
