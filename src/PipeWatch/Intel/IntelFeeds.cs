using System.Text;
using System.Text.Json;
using PipeWatch.Diagnostics;
using PipeWatch.Intel.Feeds;

namespace PipeWatch.Intel;

/// <summary>Reads a feed file or body in any of the formats PipeWatch knows, recognizing the format from its content.</summary>
public static class IntelFeeds
{
    /// <summary>The format ids, for <c>--format</c> and the docs.</summary>
    public static readonly IReadOnlyList<string> Formats =
    [
        StixBundleFeed.Format, MispEventFeed.Format, ThreatFoxFeed.JsonFormat, ThreatFoxFeed.CsvFormat, UrlhausCsvFeed.Format,
        MalwareBazaarCsvFeed.Format, IndicatorListFeed.CsvFormat, IndicatorListFeed.ListFormat,
    ];

    /// <summary>The largest feed body fetched over HTTP, so that a hostile or runaway download cannot fill the disk it is spooled to.</summary>
    public const long MaxBytes = 2L << 30;

    /// <summary>The largest JSON feed read (a JSON document is parsed whole); text feeds (lists, CSV) are streamed line by line and have no such bound.</summary>
    public const long MaxJsonBytes = 256L << 20;

    private const int MaxJsonDepth = 64;

    // White space and the bytes of a UTF-8 byte-order mark.
    private static readonly byte[] Blank = " \t\r\n\uFEFF"u8.ToArray();

    /// <summary>The lines searched for a CSV header.</summary>
    private const int HeaderLines = 256;

    private static readonly HashSet<string> KnownColumns = new(StringComparer.Ordinal)
    {
        "url", "dateadded", "ioc_value", "ioc_type", "sha256_hash", "md5_hash", "type", "indicator_type", "kind", "value", "indicator", "ioc",
    };

    /// <summary>The feed name of a file or URL when none is given: its file name.</summary>
    public static string DefaultName(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? $"{uri.Host}{uri.AbsolutePath.TrimEnd('/')}"
            : Path.GetFileName(source);

    /// <summary>Reads a file; a file that cannot be read is one problem and an empty reading.</summary>
    /// <param name="path">The file.</param>
    /// <param name="feed">The feed name, or null for the file name.</param>
    /// <param name="format">A format to read it as, or null to recognize it from the content.</param>
    /// <param name="problems">Where bad records are reported.</param>
    /// <param name="handOver">
    /// When given, each block of <see cref="FeedReading.HandOverEvery"/> indicators is handed to it (to be imported) while the file
    /// is read, so memory stays bounded whatever the size of a list or CSV; the reading returned holds the last block.
    /// </param>
    public static FeedReading ReadFile(string path, string? feed, string? format, IProblemReporter problems, Action<FeedReading>? handOver = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(stream, path, feed ?? DefaultName(path), format, problems, handOver);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reading = new FeedReading(path, feed ?? DefaultName(path), "unreadable", problems);
            reading.Problem($"cannot read: {ex.Message}");
            return reading;
        }
    }

    /// <summary>Reads a feed body; <paramref name="format"/> forces a format, else it is recognized from the content.</summary>
    /// <remarks>A list or CSV is streamed line by line (lines past <see cref="CsvTable.MaxLine"/> characters are refused one by one); JSON is read whole, up to <see cref="MaxJsonBytes"/>.</remarks>
    public static FeedReading Read(Stream stream, string origin, string feed, string? format, IProblemReporter problems, Action<FeedReading>? handOver = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(problems);
        if (!stream.CanSeek)
        {
            // Bodies not on disk or in memory: buffered (bounded) so the content can be looked at before it is read.
            var copy = ReadAll(stream, MaxBytes, origin, problems, out var over);
            if (over) return new FeedReading(origin, feed, "too large", problems);
            using var seekable = new MemoryStream(copy, writable: false);
            return Read(seekable, origin, feed, format, problems, handOver);
        }

        var origin0 = stream.Position;
        var first = FirstContent(stream);
        stream.Position = origin0;
        if (first < 0)
        {
            var empty = new FeedReading(origin, feed, format ?? "empty", problems);
            empty.Problem("the feed is empty");
            return empty;
        }

        if (format is null ? first is '{' or '[' : format is StixBundleFeed.Format or MispEventFeed.Format or ThreatFoxFeed.JsonFormat)
        {
            var bytes = ReadAll(stream, MaxJsonBytes, origin, problems, out var tooLarge);
            if (tooLarge) return new FeedReading(origin, feed, "too large", problems);
            return ReadJson(bytes, origin, feed, format, problems, handOver);
        }

        using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: true);
        return ReadText(new LineReader(text, CsvTable.MaxLine), origin, feed, format, problems, handOver);
    }

    // The first byte that is not white space or a byte-order mark, or -1; reads forward without keeping what it passes.
    private static int FirstContent(Stream stream)
    {
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            var at = chunk.AsSpan(0, read).IndexOfAnyExcept(Blank);
            if (at >= 0) return chunk[at];
        }

        return -1;
    }

    private static FeedReading ReadJson(byte[] bytes, string origin, string feed, string? format, IProblemReporter problems, Action<FeedReading>? handOver)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            var bad = new FeedReading(origin, feed, format ?? "json", problems);
            bad.Problem($"invalid JSON at byte {ex.BytePositionInLine + 1} of the line: {ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}", (int?)(ex.LineNumber + 1));
            return bad;
        }

        using (document)
        {
            var root = document.RootElement;
            var chosen = format
                ?? (StixBundleFeed.Recognizes(root) ? StixBundleFeed.Format
                : ThreatFoxFeed.Recognizes(root) ? ThreatFoxFeed.JsonFormat
                : MispEventFeed.Recognizes(root) ? MispEventFeed.Format
                : null);
            var reading = new FeedReading(origin, feed, chosen ?? "json", problems);
            if (handOver is not null) reading.HandOverBlocks(handOver);
            switch (chosen)
            {
                case StixBundleFeed.Format: StixBundleFeed.Read(root, reading); break;
                case MispEventFeed.Format: MispEventFeed.Read(root, reading); break;
                case ThreatFoxFeed.JsonFormat: ThreatFoxFeed.Read(root, reading); break;
                default: reading.Problem("JSON that is neither a STIX 2.1 bundle, a MISP event nor a ThreatFox export"); break;
            }

            return reading;
        }
    }

    private static FeedReading ReadText(LineReader lines, string origin, string feed, string? format, IProblemReporter problems, Action<FeedReading>? handOver)
    {
        // The header is looked for in the first lines; they are kept (bounded) and read again as rows.
        var head = new List<string>();
        while (head.Count < HeaderLines && lines.Next() is { } first) head.Add(first.Text);
        var table = CsvTable.Find(head, KnownColumns, out var headerLine);
        Action<CsvTable, IReadOnlyList<string>, int, FeedReading>? row = null;
        var chosen = format ?? IndicatorListFeed.ListFormat;
        if (table is not null && format is null or not IndicatorListFeed.ListFormat)
        {
            (chosen, row) = format switch
            {
                UrlhausCsvFeed.Format => (format, UrlhausCsvFeed.Row),
                ThreatFoxFeed.CsvFormat => (format, ThreatFoxFeed.Row),
                MalwareBazaarCsvFeed.Format => (format, MalwareBazaarCsvFeed.Row),
                IndicatorListFeed.CsvFormat => (format, IndicatorListFeed.Row),
                _ when ThreatFoxFeed.Recognizes(table) => (ThreatFoxFeed.CsvFormat, ThreatFoxFeed.Row),
                _ when MalwareBazaarCsvFeed.Recognizes(table) => (MalwareBazaarCsvFeed.Format, MalwareBazaarCsvFeed.Row),
                _ when UrlhausCsvFeed.Recognizes(table) => (UrlhausCsvFeed.Format, UrlhausCsvFeed.Row),
                _ when IndicatorListFeed.Recognizes(table) => (IndicatorListFeed.CsvFormat, IndicatorListFeed.Row),
                _ => (IndicatorListFeed.ListFormat, (Action<CsvTable, IReadOnlyList<string>, int, FeedReading>?)null),
            };
        }

        var reading = new FeedReading(origin, feed, chosen, problems);
        if (handOver is not null) reading.HandOverBlocks(handOver);
        if (row is null && chosen != IndicatorListFeed.ListFormat)
        {
            reading.Problem($"no header naming the columns of {chosen} in the first lines");
            return reading;
        }

        var from = row is null ? 0 : headerLine + 1;
        for (var i = from; i < head.Count; i++) Line(head[i], i + 1, lines.IsLong(i + 1), table, row, reading);
        while (lines.Next() is { } line) Line(line.Text, line.Number, line.Long, table, row, reading);
        return reading;
    }

    private static void Line(string text, int number, bool tooLong, CsvTable? table, Action<CsvTable, IReadOnlyList<string>, int, FeedReading>? row, FeedReading reading)
    {
        var line = text.TrimEnd('\r');
        if (line.Length == 0 || line.TrimStart().StartsWith('#')) return;
        if (tooLong)
        {
            reading.Problem($"line longer than {CsvTable.MaxLine} characters", number);
            return;
        }

        if (row is null) IndicatorListFeed.Line(line.Trim(), number, reading);
        else row(table!, CsvTable.Split(line), number, reading);
    }

    private static byte[] ReadAll(Stream stream, long limit, string origin, IProblemReporter problems, out bool tooLarge)
    {
        tooLarge = stream.CanSeek && stream.Length - stream.Position > limit;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (!tooLarge && (read = stream.Read(chunk)) > 0)
        {
            tooLarge = buffer.Length + read > limit;
            if (!tooLarge) buffer.Write(chunk, 0, read);
        }

        if (!tooLarge) return buffer.ToArray();
        problems.Report(new Problem(origin, limit == MaxJsonBytes
            ? $"a JSON feed larger than {limit >> 20} MiB is not read (JSON is parsed whole; lists and CSV are streamed): split it, or fetch it as a TAXII collection"
            : $"the feed is larger than {limit >> 20} MiB; not read"));
        return [];
    }

    /// <summary>The lines of a text, each cut at <see cref="CsvTable.MaxLine"/> characters (the rest of a longer line is passed over, not kept).</summary>
    private sealed class LineReader(TextReader reader, int maxLine)
    {
        private readonly char[] _buffer = new char[1 << 16];
        private readonly StringBuilder _line = new();
        private readonly HashSet<int> _long = [];
        private int _start;
        private int _end;
        private int _number;

        /// <summary>True when the line of that number (among those read) was longer than the limit.</summary>
        public bool IsLong(int number) => _long.Contains(number);

        /// <summary>The next line (without its <c>\n</c>), or null at the end.</summary>
        public (string Text, int Number, bool Long)? Next()
        {
            _line.Clear();
            var any = false;
            var tooLong = false;
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = reader.Read(_buffer, 0, _buffer.Length);
                    if (_end == 0)
                    {
                        if (!any) return null;
                        break;
                    }
                }

                any = true;
                var span = _buffer.AsSpan(_start, _end - _start);
                var newline = span.IndexOf('\n');
                var piece = newline < 0 ? span : span[..newline];
                var room = maxLine + 1 - _line.Length;
                if (piece.Length > room)
                {
                    tooLong = true;
                    piece = piece[..Math.Max(0, room)];
                }

                _line.Append(piece);
                if (newline < 0)
                {
                    _start = _end;
                    continue;
                }

                _start += newline + 1;
                break;
            }

            _number++;
            // A line of exactly the limit followed by its carriage return is not too long.
            var text = _line.ToString();
            if (!tooLong && text.TrimEnd('\r').Length > maxLine) tooLong = true;
            if (tooLong && _number <= HeaderLines) _long.Add(_number);
            return (text, _number, tooLong);
        }
    }
}
