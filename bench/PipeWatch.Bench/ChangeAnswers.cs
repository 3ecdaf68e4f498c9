using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;

namespace PipeWatch.Bench;

/// <summary>
/// For <see cref="LockfileParseBenchmark"/>: checks each followed version's <see cref="LockfileDelta"/> against the version it
/// was made from (the packages it gives), and that a <see cref="FileDependencyChange"/> known by it answers every question of
/// the dependency detectors as the whole lists do.
/// </summary>
internal static class ChangeAnswers
{
    /// <summary>How many changes were judged by their delta, and a line for each that differs.</summary>
    public static (int Judged, List<string> Differ) Compare(IReadOnlyList<(LockfileParse Before, LockfileParse After)> versions, string name)
    {
        var differ = new List<string>();
        var judged = 0;
        var cache = new LockfileCache(new ProblemLog());
        LockfileCache.Entry? carried = null;
        for (var i = 0; i < versions.Count; i++)
        {
            var (before, after) = versions[i];
            var delta = after.Delta!;
            if (!Counted(after.Dependencies).SequenceEqual(Counted(before.Dependencies, delta.Removed, delta.Added))) differ.Add($"version {i}: the delta does not make the packages");
            // The index of the version before is carried over from the change before when it is the same version, as in a scan.
            var beforeEntry = carried is not null && ReferenceEquals(carried.Found, before.Dependencies) ? carried : new LockfileCache.Entry($"v{i}", before.Dependencies, []);
            var afterEntry = new LockfileCache.Entry($"v{i}+", after.Dependencies, []) { Delta = delta, DeltaFrom = beforeEntry.Key };
            carried = afterEntry;
            if (cache.Incremental(beforeEntry, afterEntry) is not { } known) continue;
            judged++;
            var whole = Answers(new FileDependencyChange(name, true, before.Dependencies, after.Dependencies, false));
            if (!whole.SequenceEqual(Answers(new FileDependencyChange(name, true, before.Dependencies, after.Dependencies, false, incremental: known)), StringComparer.Ordinal))
                differ.Add($"version {i}: the change's answers differ");
        }

        return (judged, differ);
    }

    // Everything a dependency detector asks of a change, as text.
    private static List<string> Answers(FileDependencyChange change)
    {
        var at = new Dictionary<Dependency, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < change.After.Count; i++) at.TryAdd(change.After[i], i);
        var answers = new List<string>();
        answers.AddRange(change.NewVersions.Select(d => $"new version {at[d]} {d.Key}"));
        answers.AddRange(change.NewPackages.Select(d => $"new package {at[d]} {d.Key}"));
        foreach (var d in change.Touched.DistinctBy(d => (d.Key, d.Source.Location, d.Integrity)))
        {
            var previous = change.Previous(d);
            if (previous is not null && previous.Source == d.Source && !IntegrityHashes.Changed(previous.Integrity, d.Integrity)) continue;
            answers.Add($"judged {at[d]} {d.Key} before {previous?.Source} {previous?.Integrity}");
        }

        var keys = change.NewVersions.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        answers.AddRange(change.Touched.Where(d => keys.Contains(d.Key)).Select(d => $"matched {at[d]}"));
        // LockfileMoves: the entries with no entry before.
        answers.AddRange(change.After.Where(d => change.Previous(d) is null).Select(d => $"moved {at[d]}"));
        return answers;
    }

    private static List<string> Counted(IReadOnlyList<Dependency> packages, IReadOnlyList<Dependency>? removed = null, IReadOnlyList<Dependency>? added = null)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in packages.Concat(added ?? [])) counts[Fields(d)] = counts.GetValueOrDefault(Fields(d)) + 1;
        foreach (var d in removed ?? []) counts[Fields(d)] = counts.GetValueOrDefault(Fields(d)) - 1;
        return [.. counts.Where(c => c.Value != 0).Select(c => $"{c.Key} {c.Value}").Order(StringComparer.Ordinal)];
    }

    private static string Fields(Dependency d) => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Source}|{d.Integrity}";
}
