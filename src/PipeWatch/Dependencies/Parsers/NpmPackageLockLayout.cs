using System.Runtime.InteropServices;
using System.Text;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// A <c>package-lock.json</c> as npm writes it (JSON indented as the project's package.json is: two spaces, a tab…) cut into
/// line segments — the root's members, each entry of <c>packages</c> or <c>dependencies</c> — so that a history scan makes the
/// next version from this one and the change's <c>-U0</c> hunks (<see cref="LockfileLayout.Follow"/>), reading only the
/// entries the hunks touch.
/// </summary>
/// <remarks>
/// Gives exactly what the whole-file parse gives, or null (the caller then reads the text another way). The whole parse checks
/// the text as JSON; here each segment is checked on its own (an entry or a root member is exactly one member, its value ending
/// on its closing line) and their joins by the state and comma each segment ends with, so the text is valid JSON when every
/// segment and every join is. Lines are those of the whole parse's forward search for <c>"name": {</c> (see
/// <see cref="LineIndex.Next"/>): an entry's search must find its own key, checked again only where the text between it and
/// the previous match changed. Only ASCII text with lines of npm's shape is split; anything else (minified JSON, mixed
/// indentation, a comment where a line must start, a second <c>packages</c> or project entry, a change of
/// <c>lockfileVersion</c>) is null.
/// </remarks>
internal static partial class NpmPackageLockLayout
{
    // The state after a segment's last line (LockfileSegment.End): where the next line stands in the JSON.
    private const int Start = 0, Root = 1, InPackages = 2, InV1 = 3, InSkipped = 4, Done = 5;

    // What a segment is (LockfileSegment.Kind, low byte), and whether it ends with the comma that separates it from a next member.
    private const int Open = 1, Member = 2, SectionOpen = 3, SectionClose = 4, Close = 5, Trailing = 6, PackagesEntry = 7, V1Entry = 8, SkippedEntry = 9, EmptySection = 10;
    private const int Comma = 0x100;

    /// <summary>The whole text cut into segments and read; null when it is not split (see the remarks).</summary>
    public static LockfileParse? Read(string text, LockfileBlockMemo memo)
    {
        if (text.Length == 0 || !Ascii.IsValid(text)) return null;
        // npm indents as the project's package.json does (two spaces, a tab…): the root's first member line says by what.
        var second = text.IndexOf('\n') + 1;
        var rest = text.AsSpan(second <= 0 ? text.Length : second);
        var indent = rest.Length - rest.TrimStart(" \t").Length is var width and > 0 ? rest[..width].ToString() : "  ";
        // Which section the whole parse reads decides how "dependencies" reads: checked by the segments (exactly one such line).
        var shape = new Shape(text.Contains("\n" + indent + "\"packages\": {", StringComparison.Ordinal), null, indent);
        if (Split(text, 0, int.MaxValue, Start, shape, memo) is not { } segments) return null;
        return Build(text, segments, shape, null);
    }

    /// <summary>True when <paramref name="layout"/> was made here (its next version follows it by <see cref="Follow"/>).</summary>
    public static bool Made(LockfileLayout layout) => layout.Whole is Shape;

    /// <summary>The next version made from <paramref name="previous"/> (a layout this class made) and the change's edits, with what it changed; null when it cannot be.</summary>
    public static LockfileParse? Follow(string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits)
    {
        if (previous.Whole is not Shape shape || text.Length == 0) return null;
        var segments = previous.Follow(edits, text, (t, start, lines, _, before) => Split(t, start, lines, before?.End ?? Start, shape, memo), out var changed, out var replaced);
        if (segments is null) return null;
        return Build(text, segments, shape, (previous, changed, replaced));
    }

    // The packages of a version cut into segments: checks every join and every search the segments' text could have changed,
    // then builds the list as the whole parse does; for a version made from a previous one, also what it changed.
    private static LockfileParse? Build(string text, List<LockfileSegment> segments, Shape shape, (LockfileLayout Previous, List<int> Changed, List<int> Replaced)? follow)
    {
        bool[]? made = null;
        if (follow is { } f)
        {
            made = new bool[segments.Count];
            foreach (var i in f.Changed) made[i] = true;
        }

        // Sized once: lists grown by doubling were most of this pass's time on a history of large lockfiles.
        var entries = new List<(Segment Segment, int Line, bool Made, int Index)>(segments.Count);
        HashSet<string>? direct = null;
        var (projects, packagesSections, dependencySections) = (0, 0, 0);
        string? lockfileVersion = null;
        var (line, position, cursor) = (1, 0, 0);
        var recheck = made is null;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var kind = segment.Kind & 0xFF;
            var isMade = made is null || made[i];
            recheck |= isMade;
            var before = i == 0 ? Start : segments[i - 1].End;
            if (!Follows(kind, before)) return null;
            // Members are separated by commas (a comma before a closing brace is allowed: the parse allows trailing commas).
            if (i > 0 && IsMemberStart(kind) && IsMemberEnd(segments[i - 1].Kind & 0xFF) && (segments[i - 1].Kind & Comma) == 0) return null;
            switch (segment.Value)
            {
                case "packages":
                    packagesSections++;
                    break;
                case "dependencies":
                    dependencySections++;
                    break;
                case RootLine { Key: "lockfileVersion" } version:
                    lockfileVersion = version.Text;
                    break;
                case Segment entry when kind is PackagesEntry or V1Entry:
                    // The whole parse's search, from the previous match, must find this entry's key first.
                    var needle = entry.Needle;
                    var key = position + shape.Entry.Length;
                    if (key + needle.Length > text.Length) return null;
                    if (recheck && text.IndexOf(needle, cursor, key + needle.Length - cursor, StringComparison.Ordinal) != key) return null;
                    if (entry.Project is { } project)
                    {
                        projects++;
                        direct = project.Keys;
                    }

                    entries.Add((entry, line, isMade, i));
                    cursor = position + entry.Cursor;
                    recheck = isMade;
                    break;
            }

            position += segment.Chars;
            line += segment.Lines;
        }

        if (segments.Count == 0 || segments[^1].End != Done || position != text.Length) return null;
        if (projects > 1 || packagesSections != (shape.HasPackages ? 1 : 0) || dependencySections > 1) return null;
        // A change of lockfile version is left to the whole parse, as a change of how the file is read.
        if (follow is not null && shape.LockfileVersion != lockfileVersion) return null;
        shape = follow is null ? shape with { LockfileVersion = lockfileVersion } : shape;

        List<object> gone = [];
        var from = follow is { } f2 ? KeptFrom(made!, f2.Replaced) : null;
        var isNew = follow is { } g ? New(entries, g.Previous, g.Replaced, from!, out gone) : null;
        // The previous version's dependencies, for the entries this one took over or split again to the same text: the same
        // object when neither its line nor whether it is direct changed, a copy with the new values when one did (the entry
        // object is the same, so is its template).
        var kept = follow is { } k && k.Previous.Whole is Shape { Built: { } previousBuilt } ? new Kept(previousBuilt, from!, k.Previous.Segments, segments) : null;
        Dictionary<string, int>? required = null;
        var built = new object?[segments.Count];
        var found = new List<Dependency>(Math.Max(shape.Packages, segments.Count));
        var added = isNew is null ? null : new List<Dependency>();
        if (shape.HasPackages)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var (segment, entryLine, _, index) = entries[i];
                if (segment.Entry is not NpmPackageLockParser.PackagesEntry { Template: { } template } entry) continue;
                var isDirect = entry.TopLevel && direct?.Contains(entry.Folder) == true;
                var dependency = kept?.Of(index) is Dependency previous && previous.Direct == isDirect
                    ? (previous.Line == entryLine ? previous : previous with { Line = entryLine })
                    : template with { Direct = isDirect, Line = entryLine };
                built[index] = dependency;
                found.Add(dependency);
                if (isNew?[i] == true) added!.Add(dependency);
            }
        }
        else
        {
            // Version 1: a top-level entry nothing else requires is direct (as the whole parse takes it).
            required = (follow is { } r && r.Previous.Whole is Shape { Required: { } before } ? Required(before, r.Previous.Segments, r.Replaced, segments, r.Changed) : null)
                ?? Required(entries);
            for (var i = 0; i < entries.Count; i++)
            {
                var (segment, entryLine, _, index) = entries[i];
                var packages = ((NpmPackageLockParser.V1Entry)segment.Entry).Packages;
                var previous = kept?.Of(index) as Dependency[];
                // The previous version's array while every package of the entry is taken over unchanged, a new one from the first that is not.
                var dependencies = previous;
                for (var p = 0; p < packages.Length; p++)
                {
                    var package = packages[p];
                    var (isDirect, packageLine) = (package.TopLevel && !required.ContainsKey(package.EntryName), entryLine + segment.Lines[p]);
                    var dependency = previous?[p] is { } was && was.Direct == isDirect
                        ? (was.Line == packageLine ? was : was with { Line = packageLine })
                        : package.Template with { Direct = isDirect, Line = packageLine };
                    if (!ReferenceEquals(dependency, dependencies?[p]))
                    {
                        if (ReferenceEquals(dependencies, previous)) dependencies = previous is null ? new Dependency[packages.Length] : [.. previous];
                        dependencies![p] = dependency;
                    }

                    found.Add(dependency);
                    if (isNew?[i] == true) added!.Add(dependency);
                }

                built[index] = dependencies;
            }
        }

        var parse = LockfileParse.Of(found) with { Layout = new LockfileLayout(segments, shape with { Built = built, Packages = found.Count, Required = required }) };
        return added is null ? parse : parse with { Delta = new LockfileDelta([.. gone.SelectMany(NpmPackageLockBlocks.PackagesOf)], added) };
    }

    // The names a version 1 file's entries require, each with how many entries list it.
    private static Dictionary<string, int> Required(List<(Segment Segment, int Line, bool Made, int Index)> entries)
    {
        var required = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (segment, _, _, _) in entries)
        {
            foreach (var name in ((NpmPackageLockParser.V1Entry)segment.Entry).Requires) CollectionsMarshal.GetValueRefOrAddDefault(required, name, out _)++;
        }

        return required;
    }

    /// <summary>
    /// The same for a followed version, from the previous version's counts: the names the version 1 entries it made list counted
    /// in, those of the entries it replaced counted out (the segments it took over are the previous version's own); the previous
    /// object itself when the change leaves every count as it was. Null (count the whole file) for a change that rewrites much of
    /// the file, or counts that do not add up.
    /// </summary>
    private static Dictionary<string, int>? Required(Dictionary<string, int> before, IReadOnlyList<LockfileSegment> previous, List<int> replaced, List<LockfileSegment> segments, List<int> changed)
    {
        if (changed.Count + replaced.Count > segments.Count / 4 + 8) return null;
        var change = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in changed) Count(segments[i], change, +1);
        foreach (var i in replaced) Count(previous[i], change, -1);
        Dictionary<string, int>? required = null;
        foreach (var (name, by) in change)
        {
            if (by == 0) continue;
            required ??= new Dictionary<string, int>(before, StringComparer.Ordinal);
            var count = required.GetValueOrDefault(name) + by;
            if (count < 0) return null;
            if (count == 0) required.Remove(name);
            else required[name] = count;
        }

        return required ?? before;

        static void Count(LockfileSegment segment, Dictionary<string, int> counts, int by)
        {
            if ((segment.Kind & 0xFF) != V1Entry || segment.Value is not Segment { Entry: NpmPackageLockParser.V1Entry entry }) return;
            foreach (var name in entry.Requires) CollectionsMarshal.GetValueRefOrAddDefault(counts, name, out _) += by;
        }
    }

    // Which entries the change made that the old segments it replaced did not hold (by object: the memo's one per text), and
    // the replaced ones it no longer holds. A made entry an old one held is noted in `from` (by segment) as made from it.
    private static bool[] New(List<(Segment Segment, int Line, bool Made, int Index)> entries, LockfileLayout previous, List<int> replaced, int[] from, out List<object> gone)
    {
        var held = new Dictionary<object, List<int>>(ReferenceEqualityComparer.Instance);
        foreach (var r in replaced)
        {
            if (previous.Segments[r].Value is not Segment { Entry: var entry }) continue;
            if (!held.TryGetValue(entry, out var segments)) held[entry] = segments = [];
            segments.Add(r);
        }

        var isNew = new bool[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            if (!entries[i].Made) continue;
            if (held.TryGetValue(entries[i].Segment.Entry, out var segments) && segments.Count > 0)
            {
                from[entries[i].Index] = segments[0];
                segments.RemoveAt(0);
            }
            else
            {
                isNew[i] = true;
            }
        }

        gone = [];
        foreach (var (entry, segments) in held)
        {
            foreach (var _ in segments) gone.Add(entry);
        }

        return isNew;
    }

    // For each segment, the index of the previous version's segment it was taken over from, or -1 for one the change made: the
    // segments taken over keep their order, and those they skip are the replaced ones (in ascending order).
    private static int[] KeptFrom(bool[] made, List<int> replaced)
    {
        var from = new int[made.Length];
        var (old, r) = (0, 0);
        for (var i = 0; i < made.Length; i++)
        {
            if (made[i])
            {
                from[i] = -1;
                continue;
            }

            while (r < replaced.Count && replaced[r] == old) (old, r) = (old + 1, r + 1);
            from[i] = old++;
        }

        return from;
    }

    // What the previous version built for its segments (Shape.Built), found by the index of a segment of this version.
    private sealed class Kept(object?[] built, int[] from, IReadOnlyList<LockfileSegment> before, List<LockfileSegment> now)
    {
        // Null for an entry the change made new; otherwise the previous segment's, which held the same entry object (checked,
        // not assumed: the dependencies built from it are its template with a line and a direct flag, checked by the caller).
        public object? Of(int index) =>
            from[index] is var old and >= 0 && old < built.Length && old < before.Count
            && before[old].Value is Segment { Entry: var was } && now[index].Value is Segment { Entry: var entry } && ReferenceEquals(was, entry) ? built[old] : null;
    }

    // Whether a segment of this kind may follow a segment that ends in `state`.
    private static bool Follows(int kind, int state) => kind switch
    {
        Open => state == Start,
        Member or SectionOpen or EmptySection or Close => state == Root,
        SectionClose => state is InPackages or InV1 or InSkipped,
        PackagesEntry => state == InPackages,
        V1Entry => state == InV1,
        SkippedEntry => state == InSkipped,
        _ => state == Done,
    };

    private static bool IsMemberStart(int kind) => kind is Member or SectionOpen or EmptySection or PackagesEntry or V1Entry or SkippedEntry;

    private static bool IsMemberEnd(int kind) => kind is Member or SectionClose or EmptySection or PackagesEntry or V1Entry or SkippedEntry;

    // What a layout of this class holds besides its segments: which section is read, the lockfile version's line, and the
    // indentation of a root member (npm indents as package.json is), with the lines npm writes at the root and around sections.
    private sealed record Shape(bool HasPackages, string? LockfileVersion, string Indent)
    {
        /// <summary>What each segment gave (by index): a packages entry's dependency, or a version 1 entry's dependencies; null for anything else.</summary>
        public object?[]? Built { get; init; }

        /// <summary>How many packages the version gave (the next version's list starts that large).</summary>
        public int Packages { get; init; }

        /// <summary>Version 1: the names its entries require, each with how many entries list it (never 0; never changed once made).</summary>
        public Dictionary<string, int>? Required { get; init; }

        public string Entry { get; } = Indent + Indent;

        public string Content { get; } = Indent + Indent + Indent;

        public string PackagesOpen { get; } = Indent + "\"packages\": {";

        public string DependenciesOpen { get; } = Indent + "\"dependencies\": {";

        public string PackagesEmpty { get; } = Indent + "\"packages\": {}";

        public string DependenciesEmpty { get; } = Indent + "\"dependencies\": {}";

        public string SectionClose { get; } = Indent + "}";
    }

    // A root line: its key, and its text without the separating comma.
    private sealed record RootLine(string Key, string Text);

    // A read entry: what the parser read (the memo's object), the project's requirements for the project entry, the line of
    // each of its packages from the segment's first, and where the whole parse's search stops in it (from the segment's start).
    private sealed record Segment(object Entry, NpmPackageLockBlocks.ProjectEntry? Project, int[] Lines, int Cursor)
    {
        public string Needle => Entry is NpmPackageLockParser.PackagesEntry p ? p.Needle : ((NpmPackageLockParser.V1Entry)Entry).Packages[0].Needle;
    }
}
