using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors;

/// <summary>
/// Every built-in rule as data: its id, category, description and the modes it runs in. SARIF rule metadata and
/// <c>pipewatch findings</c> read it, so that they need not assemble a pipeline to describe one.
/// </summary>
/// <remarks>Built once, from the registries with the default settings; immutable and thread-safe.</remarks>
public static class DetectorCatalog
{
    private static readonly Lazy<IReadOnlyList<CatalogEntry>> Entries = new(Build);

    /// <summary>The built-in detectors (over events and over commits) and secret rules, each id once, in registry order.</summary>
    public static IReadOnlyList<CatalogEntry> BuiltIn => Entries.Value;

    /// <summary>The entries as rule metadata for an output format.</summary>
    public static IEnumerable<DetectorInfo> Infos => BuiltIn.Select(e => new DetectorInfo(e.Id, e.Category, [], e.Description));

    private static List<CatalogEntry> Build()
    {
        var entries = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal);
        void Add(DetectorInfo info, DetectorModes modes)
        {
            entries[info.Id] = entries.TryGetValue(info.Id, out var known)
                ? known with { Modes = known.Modes | modes }
                : new CatalogEntry(info.Id, info.Category, info.Description, modes);
        }

        foreach (var (info, modes) in BuiltInDetectors.Described()) Add(info, modes);
        foreach (var rule in SecretRuleBook.BuiltIn.Rules) Add(new DetectorInfo(rule.Id, Categories.HardcodedSecret, [], rule.Description), DetectorModes.Scan);
        return [.. entries.Values];
    }
}

/// <summary>One built-in rule: what it finds and where it runs.</summary>
public sealed record CatalogEntry(string Id, string Category, string Description, DetectorModes Modes);

/// <summary>The modes of DESIGN.md a rule runs in.</summary>
[Flags]
public enum DetectorModes
{
    None = 0,

    /// <summary><c>pipewatch scan</c>: git history, staged changes, plain folders.</summary>
    Scan = 1,

    /// <summary><c>pipewatch ingest</c>: exported events, logs and files.</summary>
    Ingest = 2,

    /// <summary><c>pipewatch serve</c>: the same event detectors on live payloads.</summary>
    Serve = 4,
}
