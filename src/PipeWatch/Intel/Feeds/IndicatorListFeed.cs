namespace PipeWatch.Intel.Feeds;

/// <summary>
/// Hand-made lists: one indicator a line (<c>#</c> comments, also after a value; hosts-file lines <c>0.0.0.0 evil.example</c>), the
/// kind guessed from the value; or CSV with a type column (<c>type,value[,description,confidence]</c>, header required).
/// </summary>
internal static class IndicatorListFeed
{
    public const string ListFormat = "list";
    public const string CsvFormat = "typed-csv";

    public static readonly IReadOnlySet<string> TypeColumns = new HashSet<string>(StringComparer.Ordinal) { "type", "indicator_type", "kind" };
    public static readonly IReadOnlySet<string> ValueColumns = new HashSet<string>(StringComparer.Ordinal) { "value", "indicator", "ioc" };

    public static bool Recognizes(CsvTable table) => table.Columns.Any(TypeColumns.Contains) && table.Columns.Any(ValueColumns.Contains);

    public static void Row(CsvTable table, IReadOnlyList<string> row, int line, FeedReading reading)
    {
        var type = TypeColumns.Select(c => table.Field(row, c)).FirstOrDefault(v => v is not null);
        var raw = ValueColumns.Select(c => table.Field(row, c)).FirstOrDefault(v => v is not null);
        if (type is null || raw is null)
        {
            reading.Problem("row without a type or a value", line);
            return;
        }

        if (IndicatorKinds.Parse(type) is not { } kind)
        {
            reading.Problem($"unknown indicator type '{UrlhausCsvFeed.Clip(type)}' (one of sha256, sha1, md5, domain, ip, url, email)", line);
            return;
        }

        if (IndicatorValues.Normalize(kind, raw) is not { } value)
        {
            reading.Problem($"'{UrlhausCsvFeed.Clip(raw)}' is not a valid {IndicatorKinds.Name(kind)}", line);
            return;
        }

        reading.Add(new Indicator(kind, value, reading.Feed)
        {
            Description = table.Field(row, "description") ?? table.Field(row, "comment"),
            Confidence = int.TryParse(table.Field(row, "confidence"), out var c) ? Math.Clamp(c, 0, 100) : null,
            Labels = [.. CsvTable.Tags(table.Field(row, "tags"))],
        });
    }

    public static void Line(string line, int number, FeedReading reading)
    {
        var text = line;
        var hash = text.IndexOf(" #", StringComparison.Ordinal);
        if (hash >= 0) text = text[..hash];
        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return;
        var raw = parts.Length >= 2 && parts[0] is "0.0.0.0" or "127.0.0.1" or "::" or "::1" ? parts[1] : parts[0];
        if (IndicatorValues.Guess(raw) is not { } guessed)
        {
            reading.Problem($"'{UrlhausCsvFeed.Clip(raw)}' is not a hash, IP address or CIDR block, domain, URL or e-mail address", number);
            return;
        }

        reading.Add(new Indicator(guessed.Kind, guessed.Value, reading.Feed) { Description = $"listed in {reading.Feed} (kind guessed from the value)" });
    }
}
