using System.Text;

namespace PipeWatch.Bench;

/// <summary>Real source text found on the machine: the .NET SDK, the NuGet cache, global node modules and Python's library, collected deterministically.</summary>
/// <remarks>
/// <see cref="Collect"/>: files with a source or text extension, under 8 MB and without NUL bytes, in ordinal path order root
/// by root, until the target size is reached (on a machine with the .NET SDK, its first 100 MB are mostly API reference XML
/// files of ~90 KB). <see cref="CollectNatural"/>: source trees as projects hold them, one file from each tree in turn.
/// The same machine gives the same files; another machine gives other real text of the same kinds.
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

    /// <summary>Trees of natural source code, one ecosystem each: Python's library, node modules, the NuGet cache, the .NET SDK, C headers, Perl modules.</summary>
    public static IEnumerable<string> NaturalRoots()
    {
        if (Directory.Exists("/usr/lib"))
        {
            foreach (var python in Directory.GetDirectories("/usr/lib", "python3*").Order(StringComparer.Ordinal)) yield return python;
        }

        yield return "/usr/lib/node_modules";
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        yield return "/usr/share/dotnet";
        yield return "/usr/include";
        yield return "/usr/share/perl";
    }

    /// <summary>
    /// Paths and texts of at least <paramref name="targetBytes"/> bytes of natural source files: the files of each of
    /// <see cref="NaturalRoots"/> in ordinal path order, taken one from each tree in turn (a tree that runs out drops out),
    /// at their own sizes. API reference XML (the bulk of the .NET SDK and the NuGet cache) is left out: it is what
    /// <see cref="Collect"/> mostly gives.
    /// </summary>
    public static List<(string Path, string Text, long Bytes)> CollectNatural(long targetBytes)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var trees = NaturalRoots().Where(Directory.Exists)
            .Select(root => Directory.EnumerateFiles(root, "*", options).Where(p => NaturalExtensions.Contains(Path.GetExtension(p))).Order(StringComparer.Ordinal).GetEnumerator())
            .ToList();
        var files = new List<(string, string, long)>();
        long total = 0;
        while (trees.Count > 0 && total < targetBytes)
        {
            foreach (var tree in trees.ToList())
            {
                if (total >= targetBytes) break;
                if (!tree.MoveNext())
                {
                    trees.Remove(tree);
                    continue;
                }

                if (Read(tree.Current) is not { } bytes) continue;
                files.Add((tree.Current, Encoding.UTF8.GetString(bytes), bytes.Length));
                total += bytes.Length;
            }
        }

        return files;
    }

    private static readonly HashSet<string> NaturalExtensions = new(
        Extensions.Where(e => e is not ".xml").Concat([".h", ".c", ".pm", ".pl", ".pod", ".java", ".go", ".rb", ".toml", ".ini", ".cfg", ".tsx", ".jsx"]),
        StringComparer.OrdinalIgnoreCase);

    private static byte[]? Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Length is 0 or > 8 << 20) return null;
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().Contains((byte)0) ? null : bytes;
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
                if (Read(path) is not { } bytes) continue;
                files.Add((path, Encoding.UTF8.GetString(bytes), bytes.Length));
                total += bytes.Length;
            }
        }

        return files;
    }
}
