using System.Text;
using PipeWatch.Dependencies.Versions;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>The stored form of the <c>affected[]</c> entries that name one package: a few tab-separated lines, range events already in version order.</summary>
/// <remarks>
/// One line per entry (<c>P ecosystem name</c>), per range (<c>R type</c> then events, each a kind letter — <c>i</c>ntroduced,
/// <c>f</c>ixed, <c>l</c>ast_affected, li<c>m</c>it — and its version) and per version list (<c>V</c> then the versions).
/// Reading it costs a few string splits, where a whole advisory costs a JSON document: matching reads one per advisory naming a package.
/// </remarks>
internal static class CompactAffected
{
    public static string Write(IEnumerable<AffectedPackage> entries)
    {
        var text = new StringBuilder();
        foreach (var p in entries)
        {
            text.Append("P\t").Append(Clean(p.Ecosystem)).Append('\t').Append(Clean(p.Name)).Append('\n');
            foreach (var range in p.Ranges)
            {
                text.Append("R\t").Append(Clean(range.Type));
                foreach (var e in AffectedVersions.Sorted(range, VersionSchemes.For(p.Ecosystem)))
                {
                    text.Append('\t').Append(e.Kind switch
                    {
                        RangeEventKind.Introduced => 'i',
                        RangeEventKind.Fixed => 'f',
                        RangeEventKind.LastAffected => 'l',
                        _ => 'm',
                    }).Append(Clean(e.Version));
                }

                text.Append('\n');
            }

            if (p.Versions.Count == 0) continue;
            text.Append('V');
            foreach (var v in p.Versions) text.Append('\t').Append(Clean(v));
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The entries written by <see cref="Write"/>; their ranges are marked as sorted.</summary>
    /// <remarks>Reads on spans: only the names, types and versions become strings.</remarks>
    public static IReadOnlyList<AffectedPackage> Read(string text)
    {
        var entries = new List<AffectedPackage>(1);
        string? ecosystem = null, name = null;
        List<AffectedRange>? ranges = null;
        IReadOnlyList<string> versions = [];
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line.Length < 2 || line[1] != '\t') continue;
            var fields = line[2..];
            switch (line[0])
            {
                case 'P':
                    Flush();
                    ecosystem = Field(ref fields).ToString();
                    name = Field(ref fields).ToString();
                    ranges = [];
                    versions = [];
                    break;
                case 'R':
                    var type = Field(ref fields).ToString();
                    var events = new List<RangeEvent>(2);
                    while (!fields.IsEmpty)
                    {
                        var e = Field(ref fields);
                        if (e.IsEmpty) continue;
                        var kind = e[0] switch { 'i' => RangeEventKind.Introduced, 'f' => RangeEventKind.Fixed, 'l' => RangeEventKind.LastAffected, _ => RangeEventKind.Limit };
                        events.Add(new RangeEvent(kind, e.Length == 2 && e[1] == '0' ? "0" : e[1..].ToString()));
                    }

                    ranges?.Add(new AffectedRange(type, events) { Sorted = true });
                    break;
                case 'V':
                    var list = new List<string>();
                    while (!fields.IsEmpty) list.Add(Field(ref fields).ToString());
                    versions = list;
                    break;
            }
        }

        Flush();
        return entries;

        void Flush()
        {
            if (ecosystem is not null && name is not null) entries.Add(new AffectedPackage(ecosystem, name, ranges ?? [], versions));
        }
    }

    /// <summary>The next tab-separated field, consumed.</summary>
    private static ReadOnlySpan<char> Field(ref ReadOnlySpan<char> fields)
    {
        var tab = fields.IndexOf('\t');
        var field = tab < 0 ? fields : fields[..tab];
        fields = tab < 0 ? [] : fields[(tab + 1)..];
        return field;
    }

    // Tabs and line breaks are the separators; no ecosystem, name or version has them.
    private static string Clean(string value) => value.AsSpan().ContainsAny('\t', '\n') ? value.Replace('\t', ' ').Replace('\n', ' ') : value;
}
