using System.Globalization;
using System.Text;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// Reads a pnpm lockfile's <see cref="PnpmLockContent"/> entry by entry: each <c>packages</c> and <c>snapshots</c> entry is read
/// (by <see cref="PnpmLockEvents"/>, as a document of that one entry) only when <see cref="LockfileBlockMemo"/> does not hold
/// its exact text yet, so a history scan re-reads only the entries each commit changed.
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

    /// <summary>The content, or null when the whole file must be read instead.</summary>
    public static PnpmLockContent? Read(string text, LockfileBlockMemo memo)
    {
        var rest = new StringBuilder(1024);
        var restLine = 0;
        var packages = new List<PnpmLockPackage>();
        var snapshots = new List<(string Key, List<string> Requires)>();
        var packageKeys = new HashSet<string>(StringComparer.Ordinal);
        var snapshotKeys = new HashSet<string>(StringComparer.Ordinal);
        int? packagesAt = null, snapshotsAt = null;
        string? section = null;
        int blockStart = -1, blockLine = 0, number = 0, position = 0;
        while (position < text.Length)
        {
            var end = text.IndexOf('\n', position);
            var next = end < 0 ? text.Length : end + 1;
            number++;
            var line = text.AsSpan(position, (end < 0 ? text.Length : end) - position).TrimEnd('\r');
            if (section is not null)
            {
                var blank = line.IsWhiteSpace() || line.TrimStart().StartsWith('#');
                if (!blank && line.StartsWith("  ", StringComparison.Ordinal))
                {
                    if (line[2] != ' ')
                    {
                        if (!Close(position)) return null;
                        blockStart = position;
                        blockLine = number;
                    }
                    else if (blockStart < 0)
                    {
                        return null;
                    }
                }
                else if (!blank)
                {
                    if (!Close(position)) return null;
                    section = null;
                }
            }

            if (section is null)
            {
                if (line is "packages:" or "snapshots:")
                {
                    section = line.ToString();
                    if (section == "packages:" ? packagesAt is not null : snapshotsAt is not null) return null;
                    restLine++;
                    if (section == "packages:") packagesAt = restLine;
                    else snapshotsAt = restLine;
                    // One line standing for the section: it must read back as this one entry on this line.
                    rest.Append(CultureInfo.InvariantCulture, $"{section} {{{Marker}{restLine}: {{}}}}\n");
                }
                else
                {
                    restLine++;
                    rest.Append(text, position, next - position);
                    if (end < 0) rest.Append('\n');
                }
            }

            position = next;
        }

        if (!Close(text.Length)) return null;
        var top = memo.Get("pnpm-lock rest", rest.ToString().AsSpan(), t => new Reading(PnpmLockEvents.Read(t))).Content;
        if (top is null) return null;
        // The rest holds exactly the markers it was given, where they were put.
        if (top.Packages.Count != (packagesAt is null ? 0 : 1) || top.Snapshots.Count != (snapshotsAt is null ? 0 : 1)) return null;
        if (packagesAt is { } p && (top.Packages[0].Key != Marker + p || top.Packages[0].Line != p)) return null;
        if (snapshotsAt is { } s && top.Snapshots[0].Key != Marker + s) return null;
        var content = new PnpmLockContent(top.LockfileVersion);
        content.Direct.UnionWith(top.Direct);
        content.Snapshots.AddRange(snapshots);
        content.Packages.AddRange(packages);
        return content;

        // Reads the entry that ends at `at` (if one is open) from the memo, or as a document of its own.
        bool Close(int at)
        {
            if (blockStart < 0) return true;
            var block = text.AsSpan(blockStart, at - blockStart);
            blockStart = -1;
            if (section == "packages:")
            {
                var read = memo.Get("pnpm-lock packages", block, b => new Reading(PnpmLockEvents.Read("packages:\n" + b))).Content;
                if (read is not { Packages: [var package], Snapshots: [] } || !packageKeys.Add(package.Key)) return false;
                // The key is on the entry's first line, the document's second.
                packages.Add(package.At(blockLine + package.Line - 2));
                return true;
            }

            var snapshot = memo.Get("pnpm-lock snapshots", block, b => new Reading(PnpmLockEvents.Read("snapshots:\n" + b))).Content;
            if (snapshot is not { Snapshots: [var entry], Packages: [] } || !snapshotKeys.Add(entry.Key)) return false;
            snapshots.Add(entry);
            return true;
        }
    }

    // What the event reader gave for one text (null: that text needs the whole-file reader).
    private sealed record Reading(PnpmLockContent? Content);
}
