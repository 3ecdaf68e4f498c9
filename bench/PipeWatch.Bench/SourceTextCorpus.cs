using System.Text;

namespace PipeWatch.Bench;

/// <summary>Real source text found on the machine: the .NET SDK, the NuGet cache, global node modules and Python's library, collected deterministically.</summary>
/// <remarks>
/// Files with a source or text extension, under 8 MB and without NUL bytes, in ordinal path order root by root, until the
/// target size is reached. The same machine gives the same files; another machine gives other real text of the same kinds.
/// </remarks>
internal static class SourceTextCorpus
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".cs", ".vb", ".fs", ".xml", ".xsd", ".resx", ".props", ".targets", ".nuspec", ".json", ".js", ".mjs", ".cjs", ".ts",
        ".map", ".md", ".txt", ".yml", ".yaml", ".html", ".css", ".sh", ".ps1", ".py", ".config",
    };

    public static IEnumerable<string> Roots()
    {
        yield return "/usr/share/dotnet";
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        yield return "/usr/lib/node_modules";
        if (Directory.Exists("/usr/lib"))
        {
            foreach (var python in Directory.GetDirectories("/usr/lib", "python3*").Order(StringComparer.Ordinal)) yield return python;
        }
    }

    /// <summary>Paths and texts of at least <paramref name="targetBytes"/> bytes of source text (less when the machine has less).</summary>
    public static List<(string Path, string Text, long Bytes)> Collect(long targetBytes)
    {
        var files = new List<(string, string, long)>();
        long total = 0;
        foreach (var root in Roots().Where(Directory.Exists))
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            foreach (var path in Directory.EnumerateFiles(root, "*", options).Where(p => Extensions.Contains(Path.GetExtension(p))).Order(StringComparer.Ordinal))
            {
                if (total >= targetBytes) return files;
                var info = new FileInfo(path);
                if (info.Length is 0 or > 8 << 20) continue;
                var bytes = File.ReadAllBytes(path);
                if (bytes.AsSpan().Contains((byte)0)) continue;
                files.Add((path, Encoding.UTF8.GetString(bytes), bytes.Length));
                total += bytes.Length;
            }
        }

        return files;
    }
}
