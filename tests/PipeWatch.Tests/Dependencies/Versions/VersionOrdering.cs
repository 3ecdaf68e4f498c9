using PipeWatch.Tests.Support;

namespace PipeWatch.Tests.Dependencies.Versions;

/// <summary>Reads the corpus's ordered version lists (<c>version-ordering/&lt;ecosystem&gt;-versions*.txt</c>: "a &lt; b", "a = b", "a &gt; b") and lists the lines a comparer gets wrong.</summary>
internal static class VersionOrdering
{
    public static IReadOnlyList<string> Violations(IComparer<string> comparer, string file)
    {
        var wrong = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(Corpus.File("version-ordering", file)))
        {
            number++;
            var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || parts[1] is not ("<" or "=" or ">")) continue;
            var expected = parts[1] switch { "<" => -1, "=" => 0, _ => 1 };
            var forward = Math.Sign(comparer.Compare(parts[0], parts[2]));
            var backward = Math.Sign(comparer.Compare(parts[2], parts[0]));
            if (forward != expected || backward != -expected) wrong.Add($"{file}:{number}: {line.Trim()} (got {forward}/{backward})");
        }

        return wrong;
    }

    /// <summary>How many comparison lines a file has (so a test over an unreadable file cannot pass by checking nothing).</summary>
    public static int Count(string file) =>
        File.ReadLines(Corpus.File("version-ordering", file)).Count(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "<" or "=" or ">", _]);
}
