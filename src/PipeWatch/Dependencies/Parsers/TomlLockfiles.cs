using Tomlyn;
using Tomlyn.Model;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Opens a TOML lockfile (Cargo, Poetry, uv) and walks its <c>[[package]]</c> tables, turning a syntax error into a problem with its line.</summary>
internal static class TomlLockfiles
{
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
