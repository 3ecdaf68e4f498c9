namespace PipeWatch.Intel.Feeds;

/// <summary>URLhaus CSV exports (<c>csv_recent</c>, <c>csv_online</c>, the full dump): <c>id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter</c>.</summary>
internal static class UrlhausCsvFeed
{
    public const string Format = "urlhaus-csv";

    public static bool Recognizes(CsvTable table) => table.Has("url") && table.Has("dateadded");

    public static void Row(CsvTable table, IReadOnlyList<string> row, int line, FeedReading reading)
    {
        if (table.Field(row, "url") is not { } raw)
        {
            reading.Problem("row without a url", line);
            return;
        }

        if (IndicatorValues.Normalize(IndicatorKind.Url, raw) is not { } url)
        {
            reading.Problem($"'{Clip(raw)}' is not an http(s) or ftp URL", line);
            return;
        }

        var threat = table.Field(row, "threat");
        var tags = CsvTable.Tags(table.Field(row, "tags")).ToList();
        var status = table.Field(row, "url_status");
        reading.Add(new Indicator(IndicatorKind.Url, url, reading.Feed)
        {
            Description = $"URLhaus: {threat ?? "malicious URL"}{(tags.Count > 0 ? $" ({string.Join(", ", tags)})" : "")}{(status is null ? "" : $", {status}")}",
            FirstSeen = CsvTable.Time(table.Field(row, "dateadded")),
            LastSeen = CsvTable.Time(table.Field(row, "last_online")) ?? CsvTable.Time(table.Field(row, "dateadded")),
            Labels = [.. new[] { threat }.OfType<string>().Concat(tags)],
            Reference = table.Field(row, "urlhaus_link") ?? table.Field(row, "id"),
        });
    }

    internal static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
