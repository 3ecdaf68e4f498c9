using System.Text.RegularExpressions;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>The folders of the engine depend on each other one way (HOUSE.md's data flow): a new cycle between two of them fails here.</summary>
public sealed partial class NamespaceCycleTests
{
    [Fact]
    public void No_two_top_level_folders_of_the_engine_use_each_other()
    {
        var edges = Edges();
        var cycles = edges.Keys
            .SelectMany(from => edges[from].Where(to => string.CompareOrdinal(from, to) < 0 && edges.TryGetValue(to, out var back) && back.Contains(from)).Select(to => $"{from} <-> {to}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(cycles);
    }

    [Fact]
    public void The_check_sees_a_cycle_when_there_is_one()
    {
        var edges = Edges();

        Assert.Contains("Findings", edges["Detectors"]);
        Assert.DoesNotContain("Detectors", edges["Findings"]);
    }

    // For each top-level folder of src/PipeWatch, the other top-level folders its files name (in a using or a qualified name).
    private static Dictionary<string, HashSet<string>> Edges()
    {
        var root = Path.Combine(Corpus.RepositoryRoot, "src", "PipeWatch");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(f => f is not ("bin" or "obj")).ToHashSet(StringComparer.Ordinal);
        var edges = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match match in Reference().Matches(File.ReadAllText(file)))
                {
                    var used = match.Groups[1].Value;
                    if (used != folder && folders.Contains(used)) edges[folder].Add(used);
                }
            }
        }

        return edges;
    }

    [GeneratedRegex(@"\bPipeWatch\.([A-Z][A-Za-z]+)\b")]
    private static partial Regex Reference();
}
