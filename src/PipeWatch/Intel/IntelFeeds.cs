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

    /// <summary>The largest feed read, so that a hostile or runaway download cannot exhaust memory.</summary>
    public const long MaxBytes = 2L << 30;

    private const int MaxJsonDepth = 64;

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
    public static FeedReading ReadFile(string path, string? feed, string? format, IProblemReporter problems)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path, feed ?? DefaultName(path), format, problems);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reading = new FeedReading(path, feed ?? DefaultName(path), "unreadable", problems);
            reading.Problem($"cannot read: {ex.Message}");
            return reading;
        }
    }

    /// <summary>Reads a feed body; <paramref name="format"/> forces a format, else it is recognized from the content.</summary>
    public static FeedReading Read(Stream stream, string origin, string feed, string? format, IProblemReporter problems)
    {
        var bytes = ReadAll(stream, origin, problems, out var tooLarge);
        if (tooLarge) return new FeedReading(origin, feed, "too large", problems);
        var start = bytes.AsSpan().IndexOfAnyExcept(" \t\r\n\uFEFF"u8.ToArray());
        if (start >= 0 && bytes[start] == 0xEF) start += 3;
        if (start < 0)
        {
            var empty = new FeedReading(origin, feed, format ?? "empty", problems);
            empty.Problem("the feed is empty");
            return empty;
        }

        if (format is null ? bytes[start] is (byte)'{' or (byte)'[' : format is StixBundleFeed.Format or MispEventFeed.Format or ThreatFoxFeed.JsonFormat)
        {
            return ReadJson(bytes, origin, feed, format, problems);
        }

        return ReadText(Encoding.UTF8.GetString(bytes), origin, feed, format, problems);
    }

    private static FeedReading ReadJson(byte[] bytes, string origin, string feed, string? format, IProblemReporter problems)
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

    private static FeedReading ReadText(string text, string origin, string feed, string? format, IProblemReporter problems)
    {
        var lines = text.Split('\n');
        var table = CsvTable.Find(lines.Take(256).Select(l => l.TrimEnd('\r')).ToList(), KnownColumns, out var headerLine);
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
        if (row is null && chosen != IndicatorListFeed.ListFormat)
        {
            reading.Problem($"no header naming the columns of {chosen} in the first lines");
            return reading;
        }

        for (var i = row is null ? 0 : headerLine + 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || line.TrimStart().StartsWith('#')) continue;
            if (line.Length > CsvTable.MaxLine)
            {
                reading.Problem($"line longer than {CsvTable.MaxLine} characters", i + 1);
                continue;
            }

            if (row is null) IndicatorListFeed.Line(line.Trim(), i + 1, reading);
            else row(table!, CsvTable.Split(line), i + 1, reading);
        }

        return reading;
    }

    private static byte[] ReadAll(Stream stream, string origin, IProblemReporter problems, out bool tooLarge)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                problems.Report(new Problem(origin, $"the feed is larger than {MaxBytes >> 20} MiB; not read"));
                tooLarge = true;
                return [];
            }

            buffer.Write(chunk, 0, read);
        }

        tooLarge = false;
        return buffer.ToArray();
    }
}
