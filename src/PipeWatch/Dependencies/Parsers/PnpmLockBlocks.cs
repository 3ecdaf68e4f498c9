using System.Globalization;
using System.Text;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// Reads a pnpm lockfile's <see cref="PnpmLockContent"/> entry by entry: each <c>packages</c> and <c>snapshots</c> entry is read
/// (by <see cref="PnpmLockPlainReader"/> when it is of the plain shape, else by <see cref="PnpmLockEvents"/> as a document of
/// that one entry) only when <see cref="LockfileBlockMemo"/> does not hold its exact text yet, so a history scan re-reads only
/// the entries each commit changed.
/// </summary>
/// <remarks>
/// Only the layout pnpm writes is split: a top-level line that is exactly <c>packages:</c> or <c>snapshots:</c>, its entries'
/// keys indented by two spaces, every other line of the section indented deeper (or blank, or a comment). The rest of the file
/// is read as one document with a marker entry in place of each section, which must come back where it was put (so nothing in
/// the rest swallowed a section); each entry must read as exactly one entry with its own key, and no key may repeat. Anything
/// else returns null, and the caller reads the whole file as before: what this returns is what the whole-file reader returns.
/// </remarks>
internal static class PnpmLockBlocks
{
    private const string Marker = "__pipewatch_section_";

    // Segment kinds, and the section a segment leaves open.
    private const int RestKind = 0, PackageKind = 1, SnapshotKind = 2;

    /// <summary>The content, or null when the whole file must be read instead.</summary>
    public static PnpmLockContent? Read(string text, LockfileBlockMemo memo) => Read(text, memo, out _);

    /// <summary>The content and the file's <see cref="LockfileLayout"/>, or null when the whole file must be read instead.</summary>
    public static PnpmLockContent? Read(string text, LockfileBlockMemo memo, out LockfileLayout? layout)
    {
        layout = null;
        var segments = new List<LockfileSegment>();
        if (!Split(text, 0, int.MaxValue, 1, RestKind, RestKind, memo, segments)) return null;
        if (ReadRest(text, segments, memo) is not { } whole || Assemble(segments, whole, null, out var keys) is not { } content) return null;
        layout = new LockfileLayout(segments, whole with { PackageKeys = keys.Packages, SnapshotKeys = keys.Snapshots });
        return content;
    }

    /// <summary>
    /// The content of the version that <paramref name="edits"/> make of <paramref name="previous"/>'s text, and its layout: the
    /// entries the edits touch are read again, the rest of the file only when an edit touches it; null when the whole file must
    /// be read instead.
    /// </summary>
    public static PnpmLockContent? Follow(string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits, out LockfileLayout? layout)
    {
        layout = null;
        if (previous.Whole is not PnpmLockRest before) return null;
        var segments = previous.Follow(edits, text, (t, start, lines, firstLine, after) =>
        {
            var made = new List<LockfileSegment>();
            return Split(t, start, lines, firstLine, after?.End ?? RestKind, after?.Kind ?? RestKind, memo, made) ? made : null;
        }, out var changed, out var replaced);
        if (segments is null) return null;
        // The rest of the file is read again only when a segment of it was made anew (an edit touched it).
        var whole = changed.Any(i => segments[i].Kind == RestKind) ? ReadRest(text, segments, memo) : before;
        if (whole is null || Assemble(segments, whole, new Change(changed, previous.Segments, replaced, before), out var keys) is not { } content) return null;
        // What the change took out: the packages entries of the old segments it replaced (snapshots only add Requires).
        var replacedPackages = new List<PnpmLockPackage>();
        var touchedSnapshots = new List<string>();
        foreach (var i in replaced)
        {
            if (previous.Segments[i].Value is PnpmLockPackage package) replacedPackages.Add(package);
            else if (previous.Segments[i].Value is ValueTuple<string, List<string>> snapshot) touchedSnapshots.Add(snapshot.Item1);
        }

        foreach (var i in changed)
        {
            if (segments[i].Value is ValueTuple<string, List<string>> snapshot) touchedSnapshots.Add(snapshot.Item1);
        }

        content.Followed = new PnpmLockFollowed(before.Top.LockfileVersion, replacedPackages, content.Followed?.Made ?? [])
        {
            Previous = before.Dependencies is { } built ? new PnpmLockPrevious(built, KeptFrom(previous.Segments, replaced, segments, changed), touchedSnapshots,
                ReferenceEquals(whole, before) || whole.Top.Direct.SetEquals(before.Top.Direct)) : null,
        };
        layout = new LockfileLayout(segments, whole with { PackageKeys = keys.Packages, SnapshotKeys = keys.Snapshots });
        return content;
    }

    // For each packages entry of the new version, the index among the old version's packages entries of the one it was taken over
    // from, or -1 for one made anew: the segments no edit touched are in both, in the same order.
    private static int[] KeptFrom(IReadOnlyList<LockfileSegment> before, List<int> replaced, List<LockfileSegment> after, List<int> changed)
    {
        var kept = new int[CountEntries(after).Packages];
        var next = 0;
        int old = 0, oldPackage = 0, nextReplaced = 0, nextChanged = 0;
        for (var index = 0; index < after.Count; index++)
        {
            var made = nextChanged < changed.Count && changed[nextChanged] == index;
            if (made)
            {
                nextChanged++;
            }
            else
            {
                // Skip the old segments the change replaced; the next old one is this one.
                while (nextReplaced < replaced.Count && replaced[nextReplaced] == old)
                {
                    if (before[old].Kind == PackageKind) oldPackage++;
                    nextReplaced++;
                    old++;
                }

                if (before[old].Kind == PackageKind) oldPackage++;
                old++;
            }

            if (after[index].Kind == PackageKind) kept[next++] = made ? -1 : oldPackage - 1;
        }

        return kept;
    }

    // Cuts `lines` lines of the text from `start` (line `firstLine`, in `section`) into segments: a run of lines outside the
    // sections (with a section's header and what precedes its first entry), or one entry of a section. False when the text is
    // not laid out as pnpm writes it (or has fewer lines than asked), or when a region does not start where a whole-file split
    // would start a segment (after a run of the rest, only an entry can).
    private static bool Split(string text, int start, int lines, int firstLine, int section, int previousKind, LockfileBlockMemo memo, List<LockfileSegment> segments)
    {
        int blockStart = start, blockLine = firstLine, number = firstLine - 1, position = start;
        var kind = RestKind;
        // An entry opens only at a segment boundary: a region that starts in a section must start with an entry's key.
        var inEntry = false;
        for (var read = 0; read < lines && position < text.Length; read++)
        {
            var end = text.IndexOf('\n', position);
            var next = end < 0 ? text.Length : end + 1;
            number++;
            var line = text.AsSpan(position, (end < 0 ? text.Length : end) - position).TrimEnd('\r');
            var blank = line.IsWhiteSpace() || line.TrimStart().StartsWith('#');
            if (section != RestKind && !blank && line.StartsWith("  ", StringComparison.Ordinal))
            {
                if (line[2] != ' ')
                {
                    if (!Close(position, number)) return false;
                    (blockStart, blockLine, kind, inEntry) = (position, number, section, true);
                }
                else if (!inEntry)
                {
                    return false;
                }
            }
            else if (section != RestKind && blank)
            {
                // A comment or blank line in a section belongs to the segment open (an entry, or the section's header).
                if (position == start && start > 0) return false;
            }
            else
            {
                // A line outside the sections: a new segment of the rest, unless one is open.
                if (position == start && start > 0 && previousKind == RestKind) return false;
                if (kind != RestKind || position == start)
                {
                    if (!Close(position, number)) return false;
                    (blockStart, blockLine, kind, inEntry) = (position, number, RestKind, false);
                }

                section = line is "packages:" ? PackageKind : line is "snapshots:" ? SnapshotKind : RestKind;
            }

            position = next;
        }

        if (lines != int.MaxValue && number - firstLine + 1 != lines) return false;
        return Close(position, number + 1);

        // Ends the segment open so far at `at`, where line `nextLine` starts; reads an entry from the memo, or as a document of its own.
        bool Close(int at, int nextLine)
        {
            if (at == blockStart) return true;
            object? value = null;
            var block = text.AsSpan(blockStart, at - blockStart);
            if (kind == PackageKind)
            {
                var read = memo.Get("pnpm-lock packages", block, b => new Reading(PnpmLockPlainReader.ReadPackage(b) ?? PnpmLockEvents.Read("packages:\n" + b))).Content;
                if (read is not { Packages: [var package], Snapshots: [] }) return false;
                value = package;
            }
            else if (kind == SnapshotKind)
            {
                var read = memo.Get("pnpm-lock snapshots", block, b => new Reading(PnpmLockPlainReader.ReadSnapshot(b) ?? PnpmLockEvents.Read("snapshots:\n" + b))).Content;
                if (read is not { Snapshots: [var snapshot], Packages: [] }) return false;
                value = snapshot;
            }

            segments.Add(new LockfileSegment(nextLine - blockLine, at - blockStart, kind, value, kind == RestKind ? section : kind));
            return true;
        }
    }

    // The file without its sections' entries, each section header standing as one marker entry, read as one document: what the
    // top says (lockfile version, importers), checked to hold exactly the markers it was given, where they were put.
    private static PnpmLockRest? ReadRest(string text, List<LockfileSegment> segments, LockfileBlockMemo memo)
    {
        var rest = new StringBuilder(1024);
        int restLine = 0, at = 0;
        int? packagesAt = null, snapshotsAt = null;
        foreach (var segment in segments)
        {
            if (segment.Kind == RestKind)
            {
                var position = at;
                var section = RestKind;
                for (var i = 0; i < segment.Lines; i++)
                {
                    var end = text.IndexOf('\n', position, at + segment.Chars - position);
                    var next = end < 0 ? at + segment.Chars : end + 1;
                    var line = text.AsSpan(position, (end < 0 ? next : end) - position).TrimEnd('\r');
                    // In a section, before its first entry: only comments and blank lines, which the rest does not hold.
                    if (section == RestKind || (!line.IsWhiteSpace() && !line.TrimStart().StartsWith('#')))
                    {
                        section = line is "packages:" ? PackageKind : line is "snapshots:" ? SnapshotKind : RestKind;
                        restLine++;
                        if (section == RestKind)
                        {
                            rest.Append(text, position, next - position);
                            if (end < 0) rest.Append('\n');
                        }
                        else
                        {
                            if ((section == PackageKind ? packagesAt : snapshotsAt) is not null) return null;
                            if (section == PackageKind) packagesAt = restLine;
                            else snapshotsAt = restLine;
                            // One line standing for the section: it must read back as this one entry on this line.
                            rest.Append(CultureInfo.InvariantCulture, $"{line} {{{Marker}{restLine}: {{}}}}\n");
                        }
                    }

                    position = next;
                }
            }

            at += segment.Chars;
        }

        var top = memo.Get("pnpm-lock rest", rest.ToString().AsSpan(), t => new Reading(PnpmLockPlainReader.ReadDocument(t) ?? PnpmLockEvents.Read(t))).Content;
        if (top is null) return null;
        // The rest holds exactly the markers it was given, where they were put.
        if (top.Packages.Count != (packagesAt is null ? 0 : 1) || top.Snapshots.Count != (snapshotsAt is null ? 0 : 1)) return null;
        if (packagesAt is { } p && (top.Packages[0].Key != Marker + p || top.Packages[0].Line != p)) return null;
        if (snapshotsAt is { } s && top.Snapshots[0].Key != Marker + s) return null;
        return new PnpmLockRest(top);
    }

    // The content of the segments: the top's, then each section's entries in file order, each key once per section; with the
    // indexes of the segments made anew (a followed version), which of its packages they hold. Each section's keys are checked
    // and kept for the next version: all of them for a version read whole, only those a change made (against the previous
    // version's keys less those it replaced) for a followed one.
    private static PnpmLockContent? Assemble(List<LockfileSegment> segments, PnpmLockRest whole, Change? change, out (PnpmLockKeys Packages, PnpmLockKeys Snapshots) keys)
    {
        keys = default;
        var changed = change?.Changed;
        // The lists sized once to their entries (a version's lists grown by doubling allocated about as much again as they hold).
        var (packages, snapshots) = CountEntries(segments);
        var content = new PnpmLockContent(whole.Top.LockfileVersion, packages, snapshots);
        content.Direct.UnionWith(whole.Top.Direct);
        var incremental = change?.Before is { PackageKeys: not null, SnapshotKeys: not null };
        var packageKeys = new HashSet<string>(incremental ? 0 : packages, StringComparer.Ordinal);
        var snapshotKeys = new HashSet<string>(incremental ? 0 : snapshots, StringComparer.Ordinal);
        content.Lines = new List<int>(packages);
        var made = changed is null ? null : new List<int>();
        int line = 1, open = RestKind, nextChanged = 0;
        for (var index = 0; index < segments.Count; index++)
        {
            var segment = segments[index];
            var isNew = false;
            if (changed is not null)
            {
                while (nextChanged < changed.Count && changed[nextChanged] < index) nextChanged++;
                isNew = nextChanged < changed.Count && changed[nextChanged] == index;
            }

            // An entry belongs to the section the segment before it leaves open (a made region must join what it was put between).
            if (segment.Kind != RestKind && segment.Kind != open) return null;
            if (segment.Value is PnpmLockPackage package)
            {
                if ((!incremental || isNew) && !packageKeys.Add(package.Key)) return null;
                if (isNew) made!.Add(content.Packages.Count);
                // The key is on the entry's first line, the document's second. The memo's entry is kept as it is (shared by the
                // versions that have it), its line beside it.
                content.Packages.Add(package);
                content.Lines.Add(line + package.Line - 2);
            }
            else if (segment.Value is ValueTuple<string, List<string>> snapshot)
            {
                if ((!incremental || isNew) && !snapshotKeys.Add(snapshot.Item1)) return null;
                content.Snapshots.Add(snapshot);
            }

            open = segment.End;
            line += segment.Lines;
        }

        if (made is not null) content.Followed = new PnpmLockFollowed(null, [], made);
        if (!incremental)
        {
            keys = (new PnpmLockKeys(packageKeys), new PnpmLockKeys(snapshotKeys));
            return content;
        }

        // The keys made (each once among them, as checked above) are new unless the previous version held them in an entry the
        // change did not replace.
        var (before, replaced) = (change!.Before!, change.Replaced(PackageKind));
        var replacedSnapshots = change.Replaced(SnapshotKind);
        foreach (var key in packageKeys)
        {
            if (before.PackageKeys!.Contains(key) && !replaced.Contains(key)) return null;
        }

        foreach (var key in snapshotKeys)
        {
            if (before.SnapshotKeys!.Contains(key) && !replacedSnapshots.Contains(key)) return null;
        }

        keys = (
            before.PackageKeys!.With(replaced, packageKeys, () => new HashSet<string>(content.Packages.Select(p => p.Key), StringComparer.Ordinal)),
            before.SnapshotKeys!.With(replacedSnapshots, snapshotKeys, () => new HashSet<string>(content.Snapshots.Select(s => s.Key), StringComparer.Ordinal)));
        return content;
    }

    // How many segments are packages entries and snapshots entries.
    private static (int Packages, int Snapshots) CountEntries(List<LockfileSegment> segments)
    {
        int packages = 0, snapshots = 0;
        foreach (var segment in segments)
        {
            if (segment.Kind == PackageKind) packages++;
            else if (segment.Kind == SnapshotKind) snapshots++;
        }

        return (packages, snapshots);
    }

    // A followed version's change: the indexes of the segments it made, and of the previous version's segments it replaced.
    private sealed record Change(List<int> Changed, IReadOnlyList<LockfileSegment> PreviousSegments, List<int> ReplacedSegments, PnpmLockRest Before)
    {
        // The keys of the previous version's entries of a section that the change replaced.
        public HashSet<string> Replaced(int kind)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var i in ReplacedSegments)
            {
                if (PreviousSegments[i].Kind != kind) continue;
                if (PreviousSegments[i].Value is PnpmLockPackage package) keys.Add(package.Key);
                else if (PreviousSegments[i].Value is ValueTuple<string, List<string>> snapshot) keys.Add(snapshot.Item1);
            }

            return keys;
        }
    }

    // What the event reader gave for one text (null: that text needs the whole-file reader).
    private sealed record Reading(PnpmLockContent? Content);
}

/// <summary>What the rest of a pnpm lockfile (outside the sections' entries) says, read and checked: the <see cref="LockfileLayout.Whole"/> of a pnpm layout.</summary>
internal sealed record PnpmLockRest(PnpmLockContent Top)
{
    /// <summary>The version's dependency for each of its packages entries, in file order (null for an entry that names nothing), for the next version to take over; set by <see cref="PnpmLockParser"/>.</summary>
    public IReadOnlyList<Dependency?>? Dependencies { get; init; }

    /// <summary>The keys of the version's <c>packages</c> entries, for the next version's check that its keys are not repeated.</summary>
    public PnpmLockKeys? PackageKeys { get; init; }

    /// <summary>The keys of the version's <c>snapshots</c> entries, likewise.</summary>
    public PnpmLockKeys? SnapshotKeys { get; init; }
}
