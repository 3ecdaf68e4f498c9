using System.Text;

namespace PipeWatch.Sources.JobLogs;

/// <summary>The one list of CI job log formats <c>ingest</c> recognizes, in the order they are tried on a log's first lines.</summary>
public static class JobLogFormats
{
    /// <summary>How many non-blank lines of a file's start are offered to <see cref="IJobLogFormat.Recognizes"/>.</summary>
    public const int HeadLines = 20;

    private const int HeadBytes = 64 * 1024;

    /// <summary>The plain-text fallback, for <c>.log</c> and <c>.txt</c> files of no known platform.</summary>
    public static IJobLogFormat PlainText { get; } = new PlainTextLogFormat();

    public static IReadOnlyList<IJobLogFormat> All { get; } =
    [
        // GitLab first: with the runner's timestamps on, its lines also start with an ISO-8601 time.
        new GitLabJobTraceFormat(),
        new GitHubActionsLogFormat(),
        new JenkinsConsoleFormat(),
        PlainText,
    ];

    /// <summary>The format with this id, or null.</summary>
    public static IJobLogFormat? Find(string id) => All.FirstOrDefault(f => string.Equals(f.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The format of a log from its first bytes: the first format that recognizes its first non-blank lines, else plain text
    /// when <paramref name="name"/> ends in <c>.log</c> or <c>.txt</c> and the text is not JSON; null for binary, empty or other files.
    /// </summary>
    public static IJobLogFormat? Detect(Stream stream, string name)
    {
        var buffer = new byte[HeadBytes];
        var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var bytes = buffer.AsSpan(0, length);
        if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        if (bytes.IsEmpty || bytes.Contains((byte)0)) return null;
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        // The last piece may be a line cut by the head's end: offered only when the head is the whole file.
        var count = length < buffer.Length ? lines.Length : Math.Max(1, lines.Length - 1);
        var head = lines.Take(count).Select(l => l.TrimEnd('\r')).Where(l => !string.IsNullOrWhiteSpace(l)).Take(HeadLines).ToList();
        if (head.Count == 0) return null;
        if (All.FirstOrDefault(f => f.Recognizes(head)) is { } format) return format;
        var extension = Path.GetExtension(name);
        var isLogName = extension.Equals(".log", StringComparison.OrdinalIgnoreCase) || extension.Equals(".txt", StringComparison.OrdinalIgnoreCase);
        return isLogName && head[0].TrimStart()[0] is not ('{' or '[') ? PlainText : null;
    }

    /// <summary>The format of the file at <paramref name="path"/> (see <see cref="Detect(Stream, string)"/>); null when it cannot be read.</summary>
    public static IJobLogFormat? Detect(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return Detect(stream, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The source that opens it next reports why it cannot.
            return null;
        }
    }
}
