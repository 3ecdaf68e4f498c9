using System.Globalization;
using System.Text;

namespace PipeWatch.Intel.Feeds;

/// <summary>
/// A delimited text feed as the abuse.ch exports and hand-made lists write it: <c>#</c> comment lines, a header either as the last
/// comment line (<c># id,dateadded,url,…</c>, abuse.ch) or as the first line, then one row a line, fields optionally double-quoted
/// and separated by a comma with optional spaces (ThreatFox writes <c>", "</c>).
/// </summary>
/// <remarks>
/// Hand-written rather than a CSV library: the header sits inside a comment and the separators carry spaces, which RFC 4180 readers
/// refuse or misread; fields never span lines in these formats. Lines past <see cref="MaxLine"/> characters are refused.
/// </remarks>
internal sealed class CsvTable
{
    public const int MaxLine = 64 * 1024;

    private readonly Dictionary<string, int> _columns;

    private CsvTable(IReadOnlyList<string> header) =>
        _columns = header.Select((name, i) => (name.Trim().ToLowerInvariant(), i)).GroupBy(c => c.Item1).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);

    /// <summary>The column names, lower-case.</summary>
    public IReadOnlyCollection<string> Columns => _columns.Keys;

    public bool Has(string column) => _columns.ContainsKey(column);

    /// <summary>The field of the row under the column; null when the column or the field is missing or empty.</summary>
    public string? Field(IReadOnlyList<string> row, string column) =>
        _columns.TryGetValue(column, out var i) && i < row.Count && row[i] is { Length: > 0 } value && value != "None" ? value : null;

    /// <summary>The header of a text: the last comment line before the first row when it splits into two or more names, else the first row when it names <paramref name="known"/> columns.</summary>
    /// <param name="lines">The first lines of the text.</param>
    /// <param name="known">Column names that mark a first row as a header.</param>
    /// <param name="headerLine">The 0-based index of the header line within <paramref name="lines"/>.</param>
    public static CsvTable? Find(IReadOnlyList<string> lines, IReadOnlySet<string> known, out int headerLine)
    {
        headerLine = -1;
        string? comment = null;
        var commentLine = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                var text = line.TrimStart('#').Trim();
                if (text.Length > 0)
                {
                    comment = text;
                    commentLine = i;
                }

                continue;
            }

            var first = Split(line);
            if (first.Count >= 2 && first.Any(f => known.Contains(f.Trim().ToLowerInvariant())))
            {
                headerLine = i;
                return new CsvTable(first);
            }

            if (comment is not null && Split(comment) is { Count: >= 2 } names && names.Any(n => known.Contains(n.Trim().ToLowerInvariant())))
            {
                headerLine = commentLine;
                return new CsvTable(names);
            }

            return null;
        }

        return null;
    }

    /// <summary>The fields of one line: quoted (<c>""</c> for a quote) or bare, separated by commas with optional spaces around them.</summary>
    public static List<string> Split(string line)
    {
        var fields = new List<string>();
        var i = 0;
        var field = new StringBuilder();
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t') i++;
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(line[i++]);
                }

                while (i < line.Length && line[i] != ',') i++;
                fields.Add(field.ToString());
            }
            else
            {
                var comma = line.IndexOf(',', i);
                var end = comma < 0 ? line.Length : comma;
                fields.Add(line[i..end].Trim());
                i = end;
            }

            if (i >= line.Length) return fields;
            i++;
        }
    }

    /// <summary>A time as abuse.ch writes it (<c>2024-08-20 12:40:07</c>, UTC) or ISO 8601; null otherwise.</summary>
    public static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    /// <summary>A comma-separated tag field as a list.</summary>
    public static IEnumerable<string> Tags(string? text) =>
        text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
