using Tomlyn;
using Tomlyn.Model;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Opens a TOML lockfile (Cargo, Poetry, uv) and walks its <c>[[package]]</c> tables, turning a syntax error into a problem with its line.</summary>
internal static class TomlLockfiles
{
    private const string PackageHeader = "[[package]]";

    // Held in the memo for a block that does not parse alone, so that it is not parsed again.
    private static readonly object Unparsable = new();

    public static TomlTable? Open(string path, string text, out LockfileParse? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            failure = LockfileParse.Failed(path, "file is empty");
            return null;
        }

        try
        {
            return TomlSerializer.Deserialize<TomlTable>(text);
        }
        catch (TomlException ex)
        {
            failure = LockfileParse.Failed(path, $"invalid TOML: {ex.Message.Split('\n')[0]}", ex.Line > 0 ? ex.Line : null);
            return null;
        }
    }

    /// <summary>
    /// As <see cref="Open(string, string, out LockfileParse?)"/>, with the text cut at its <c>[[package]]</c> lines and each block
    /// parsed once per text in <paramref name="memo"/> (a commit changes a few packages of a lockfile); the whole text is parsed
    /// when it does not cut cleanly.
    /// </summary>
    /// <remarks>
    /// The blocks make the same tables as the whole text when the part before the first <c>[[package]]</c> line parses alone
    /// without a <c>package</c> key, and each block parses alone into exactly one <c>package</c> element and nothing else: a
    /// block's <c>[package.x]</c> tables then belong to its own element, as in the whole text, and no table is defined in two
    /// blocks. A <c>[[package]]</c> line inside a multi-line string leaves a string open at the end of a part, so that part does
    /// not parse; anything else that does not fit (a root table after the packages, CRLF line ends) is parsed whole, which also
    /// gives the exact error of a broken file.
    /// </remarks>
    public static TomlTable? Open(string path, string text, LockfileBlockMemo memo, string format, out LockfileParse? failure)
    {
        if (Blocks(text, memo, format) is { } root)
        {
            failure = null;
            return root;
        }

        return Open(path, text, out failure);
    }

    private static TomlTable? Blocks(string text, LockfileBlockMemo memo, string format)
    {
        var starts = new List<int>();
        var span = text.AsSpan();
        for (var at = 0; at < span.Length;)
        {
            var end = span[at..].IndexOf('\n');
            var line = end < 0 ? span[at..] : span.Slice(at, end);
            if (line.SequenceEqual(PackageHeader)) starts.Add(at);
            if (end < 0) break;
            at += end + 1;
        }

        // Too few to gain from: parsed whole.
        if (starts.Count < 2) return null;
        if (memo.Get(format + "/header", span[..starts[0]], Parse) is not TomlTable header || header.ContainsKey("package")) return null;
        var root = new TomlTable();
        foreach (var (key, value) in header) root.Add(key, value);
        // The last block first: a file with a root table after its packages (poetry.lock's [metadata]) fails there, before the
        // other blocks are parsed for nothing.
        var elements = new TomlTable[starts.Count];
        for (var i = starts.Count - 1; i >= 0; i--)
        {
            var block = i + 1 < starts.Count ? span[starts[i]..starts[i + 1]] : span[starts[i]..];
            if (memo.Get(format + "/package", block, Parse) is not TomlTable one || one.Count != 1 || Packages(one) is not TomlTableArray { Count: 1 } element) return null;
            elements[i] = element[0];
        }

        var packages = new TomlTableArray();
        foreach (var element in elements) packages.Add(element);
        root.Add("package", packages);
        return root;
    }

    // A part of a lockfile parsed alone; the tables are shared by every version with the same part, and only read.
    private static object Parse(string part)
    {
        try
        {
            return TomlSerializer.Deserialize<TomlTable>(part) ?? Unparsable;
        }
        catch (TomlException)
        {
            return Unparsable;
        }
    }

    public static IEnumerable<TomlTable> Packages(TomlTable root) =>
        root.TryGetValue("package", out var p) && p is TomlTableArray packages ? packages : [];

    public static string? String(this TomlTable t, string key) => t.TryGetValue(key, out var v) ? v as string : null;

    public static TomlTable? Table(this TomlTable t, string key) => t.TryGetValue(key, out var v) ? v as TomlTable : null;

    /// <summary>Dependency names of a <c>dependencies</c> array: strings (Cargo: "name version") or tables with a <c>name</c> (uv).</summary>
    public static IReadOnlyList<string> DependencyNames(this TomlTable t, string key = "dependencies")
    {
        if (!t.TryGetValue(key, out var v)) return [];
        if (v is TomlArray array)
        {
            return [.. array.Select(item => item switch
            {
                string s => s.Split(' ')[0],
                TomlTable table => table.String("name") ?? "",
                _ => "",
            }).Where(n => n.Length > 0)];
        }

        // Poetry: a table of name = constraint.
        return v is TomlTable table2 ? [.. table2.Keys] : [];
    }
}
