using System.Globalization;
using System.Text;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Findings;

namespace PipeWatch.Dependencies.Inventory;

/// <summary>
/// Re-matches the estate's inventory when advisories arrive: only the packages the new or changed advisories name are looked
/// up, and each advisory that exposes places it had not reported yet raises one finding listing all of them. A withdrawn
/// advisory closes its findings.
/// </summary>
/// <remarks>Runs between batches of the store it is given (one transaction of its own for what it writes).</remarks>
public static class InventoryRematch
{
    /// <summary>ATT&amp;CK: Supply Chain Compromise — Compromise Software Dependencies and Development Tools.</summary>
    private const string SupplyChain = "T1195.001";

    /// <summary>At most this many places are named one by one in a finding's explanation (all are in its evidence).</summary>
    private const int PlacesExplained = 50;

    /// <summary>Advisories matched per inventory read.</summary>
    private const int ChunkAdvisories = 2_000;

    /// <summary>Matches the inventory against the advisories <paramref name="changes"/> names, stores the findings, closes the withdrawn ones.</summary>
    /// <param name="beforeCommit">Told the findings raised, with the transaction that stores them, before it commits (the alert routes' outboxes).</param>
    public static RematchResult Run(
        IInventoryStore inventory,
        IAdvisoryIndex advisories,
        IReadOnlyList<AdvisoryChange> changes,
        DateTimeOffset now,
        CancellationToken ct = default,
        Action<IReadOnlyList<Finding>, IInventoryTransaction>? beforeCommit = null)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(advisories);
        ArgumentNullException.ThrowIfNull(changes);
        // The last change of an id is what it is now.
        var last = new Dictionary<string, AdvisoryChange>(StringComparer.Ordinal);
        foreach (var change in changes) last[change.Id] = change;
        var live = last.Values.Where(c => c.Kind != AdvisoryChangeKind.Withdrawn).ToList();
        var withdrawn = last.Values.Where(c => c.Kind == AdvisoryChangeKind.Withdrawn).Select(c => c.Id).Order(StringComparer.Ordinal).ToList();

        // A chunk of advisories at a time: a full re-match (every advisory "changed") never holds the whole estate in memory.
        var hits = new List<(string Id, List<Hit> Hits)>();
        int packages = 0, looked = 0;
        foreach (var chunk in live.OrderBy(c => c.Id, StringComparer.Ordinal).Chunk(ChunkAdvisories))
        {
            ct.ThrowIfCancellationRequested();
            var keys = chunk.SelectMany(c => c.Packages).ToHashSet();
            var entries = keys.Count == 0 ? [] : inventory.Using(keys);
            packages += keys.Count;
            looked += entries.Count;
            var byKey = new Dictionary<(string, string), List<(InventoryEntry Entry, Dependency Dependency)>>();
            foreach (var entry in entries)
            {
                var dependency = entry.Item.ToDependency();
                if (!VulnerabilityMatcher.Matchable(dependency)) continue;
                var key = VulnerabilityMatcher.LookupKey(dependency);
                if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
                list.Add((entry, dependency));
            }

            advisories.Prefetch([.. byKey.Keys]);
            foreach (var change in chunk)
            {
                List<Hit>? found = null;
                foreach (var key in change.Packages.Distinct())
                {
                    if (!byKey.TryGetValue(key, out var holders)) continue;
                    var affected = advisories.For(key.Item1, key.Item2).Where(a => a.AdvisoryId == change.Id).SelectMany(a => a.Affected).ToList();
                    if (affected.Count == 0) continue;
                    foreach (var (entry, dependency) in holders)
                    {
                        foreach (var range in affected)
                        {
                            if (!AffectedVersions.Contains(range, dependency.Version, out var fixedIn)) continue;
                            (found ??= []).Add(new Hit(entry, fixedIn));
                            break;
                        }
                    }
                }

                if (found is null) continue;
                var reported = inventory.Exposures(change.Id);
                found.RemoveAll(h => reported.Contains(IInventoryStore.ExposureKey(h.Entry)));
                if (found.Count > 0) hits.Add((change.Id, found));
            }
        }

        advisories.PrefetchAdvisories([.. hits.Select(h => h.Id)]);
        var raised = new List<Finding>();
        var closed = 0;
        using (var write = inventory.BeginInventory())
        {
            foreach (var (id, found) in hits)
            {
                if (advisories.Advisory(id) is not { } advisory) continue;
                var finding = Grouped(advisory, found, now);
                if (write.TryAddFinding(finding)) raised.Add(finding);
                write.RecordExposures(id, finding.Fingerprint, [.. found.Select(h => h.Entry)], now);
            }

            foreach (var id in withdrawn) closed += write.CloseExposures(id, $"advisory {id} was withdrawn", now);
            beforeCommit?.Invoke(raised, write);
            write.Commit();
        }

        return new RematchResult(last.Count, packages, looked, raised, closed);
    }

    /// <summary>One finding for an advisory and every place it newly exposes.</summary>
    private static Finding Grouped(Advisory a, List<Hit> hits, DateTimeOffset now)
    {
        var ci = hits.All(h => Ecosystems.IsCiInfrastructure(h.Entry.Item.Ecosystem) || h.Entry.Place.Kind is PlaceKind.CiServer or PlaceKind.Runner);
        var rule = ci ? Categories.CiInfrastructureVulnerability : Categories.KnownVulnerability;
        var places = hits.GroupBy(h => h.Entry.Place).OrderBy(g => g.Key.KindText, StringComparer.Ordinal).ThenBy(g => g.Key.Id, StringComparer.Ordinal).ToList();
        var packages = hits.Select(h => $"{h.Entry.Item.Name} {h.Entry.Item.Version}").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var since = hits.Min(h => h.Entry.FirstSeen);
        var published = a.Published ?? a.Modified;
        var cves = string.Join(", ", a.Cves);
        var fixes = hits.Select(h => h.FixedIn).Where(f => f is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var cvss = a.CvssScore is { } score ? $", CVSS {Cvss.Format(score)}" : "";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Advisory {a.Id} ({a.Severity.ToWire()}{cvss})");
        if (published is { } p) text.Append(CultureInfo.InvariantCulture, $", published on {Day(p)},");
        text.Append(CultureInfo.InvariantCulture, $" affects {string.Join(", ", packages.Take(10))}{(packages.Count > 10 ? $" and {packages.Count - 10} more" : "")}");
        text.Append(CultureInfo.InvariantCulture, $", in use since {Day(since)} in {Places(places.Count)}: ");
        text.Append(string.Join("; ", places.Take(PlacesExplained).Select(Describe)));
        if (places.Count > PlacesExplained) text.Append(CultureInfo.InvariantCulture, $"; and {places.Count - PlacesExplained} more (listed in the evidence)");
        text.Append(CultureInfo.InvariantCulture, $". {a.Summary.TrimEnd('.')}; {(fixes.Count > 0 ? $"fixed in {string.Join(", ", fixes)}" : "no fixed version published")}.");
        var single = places.Count == 1 ? places[0].Key : null;
        return new Finding
        {
            Rule = rule,
            Category = rule,
            Severity = a.Severity,
            Title = $"{a.Id}{(cves.Length > 0 ? $" ({cves})" : "")} affects {packages[0]}{(packages.Count > 1 ? $" and {packages.Count - 1} more" : "")} in {Places(places.Count)}",
            Explanation = text.ToString(),
            Entity = new Entity(Repository: single is { Kind: PlaceKind.Repository } ? single.Id : null),
            Location = new Location(File: single is not null && places[0].Select(h => h.Entry.Item.Path).Distinct().Count() == 1 ? places[0].First().Entry.Item.Path : null),
            Evidence =
            [
                Evidence.Of("advisory", a.Id),
                .. a.Aliases.Count > 0 ? [Evidence.Of("aliases", string.Join(", ", a.Aliases))] : Array.Empty<Evidence>(),
                .. published is { } day ? [Evidence.Of("published", Day(day))] : Array.Empty<Evidence>(),
                .. a.Cvss is { } vector ? [Evidence.Of("cvss", vector)] : Array.Empty<Evidence>(),
                .. fixes.Count > 0 ? [Evidence.Of("fixed_in", string.Join(", ", fixes))] : Array.Empty<Evidence>(),
                Evidence.Of("packages", string.Join(", ", packages)),
                Evidence.Of("in_use_since", Day(since)),
                Evidence.Of("places", string.Join("; ", places.Select(g => g.Key.ToString()))),
            ],
            Techniques = [SupplyChain],
            Timestamp = published ?? now,
            DetectedAt = now,
            Fingerprint = Fingerprint.Of(rule, ["inventory", a.Id, .. hits.Select(h => IInventoryStore.ExposureKey(h.Entry)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]),
        };
    }

    private static string Describe(IGrouping<InventoryPlace, Hit> place)
    {
        var items = place.Select(h => h.Entry)
            .GroupBy(e => (e.Item.Name, e.Item.Version))
            .Select(g => $"{g.Key.Name} {g.Key.Version} in {string.Join(", ", g.Select(e => e.Item.Layer.Length > 0 ? $"{e.Item.Path} (layer {Short(e.Item.Layer)})" : e.Item.Path).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))} since {Day(g.Min(e => e.FirstSeen))}");
        return $"{place.Key} ({string.Join(", ", items)})";
    }

    private static string Short(string layer) => layer.StartsWith("sha256:", StringComparison.Ordinal) && layer.Length > 19 ? layer[..19] : layer;

    private static string Places(int count) => count == 1 ? "1 place" : $"{count} places";

    private static string Day(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record Hit(InventoryEntry Entry, string? FixedIn);
}

/// <summary>What a re-match did: the advisories it considered, the packages it looked up and the inventory entries using them, the findings it raised, the findings it closed.</summary>
public sealed record RematchResult(int Advisories, int Packages, int Entries, IReadOnlyList<Finding> Raised, int Closed);
