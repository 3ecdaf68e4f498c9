using System.Globalization;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>pnpm <c>pnpm-lock.yaml</c> (lockfile versions 5, 6 and 9): the <c>packages</c> keys (<c>/name/version</c>, <c>/name@version</c>, <c>name@version</c>, peer suffixes dropped), their <c>resolution</c>, and the importers' direct dependencies.</summary>
/// <remarks>
/// A package's own dependencies (<c>dependencies</c> and <c>optionalDependencies</c>, such as esbuild's platform binaries) are
/// listed under its <c>packages</c> entry up to version 6 and under <c>snapshots</c> (one per peer set) from version 9.
/// An ordinary lockfile is read from YAMLDotNet's event stream, without building its node tree (a history scan parses every
/// version of a 100 KB+ lockfile); anything unusual in it (anchors, aliases, tags, a complex or repeated key, more than one
/// document, a top that is not a mapping, a syntax error) is read again through the node tree, whose answer, problems
/// included, is the reference: both readers give the same packages (proven over real lockfile histories by the tests and
/// <c>bench --suite lockfiles</c>).
/// </remarks>
internal sealed class PnpmLockParser : ILockfileParser
{
    public string Format => "pnpm-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) is "pnpm-lock.yaml" or "shrinkwrap.yaml";

    public LockfileParse Parse(string path, string text) =>
        !string.IsNullOrWhiteSpace(text) && PnpmLockEvents.Read(text) is { } content ? Packages(content, out _) : ParseTree(path, text);

    /// <summary>The same as <see cref="Parse(string, string)"/>, reading only the entries <paramref name="memo"/> does not hold (<see cref="PnpmLockBlocks"/>).</summary>
    public LockfileParse Parse(string path, string text, LockfileBlockMemo memo) =>
        !string.IsNullOrWhiteSpace(text) && PnpmLockBlocks.Read(text, memo, out var layout) is { } content ? WithLayout(content, layout!) : Parse(path, text);

    /// <summary>The same as <see cref="Parse(string, string, LockfileBlockMemo)"/>, made from the previous version's layout and the change's edits (<see cref="PnpmLockBlocks.Follow"/>); null when it cannot be.</summary>
    public LockfileParse? Follow(string path, string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits) =>
        !string.IsNullOrWhiteSpace(text) && PnpmLockBlocks.Follow(text, memo, previous, edits, out var layout) is { } content ? WithLayout(content, layout!) : null;

    // The packages of a version read by entries, and its layout holding them for the next version to take over.
    private static LockfileParse WithLayout(PnpmLockContent content, LockfileLayout layout)
    {
        var parse = Packages(content, out var built);
        var rest = (PnpmLockRest)layout.Whole!;
        return parse with { Layout = new LockfileLayout(layout.Segments, rest with { Dependencies = built }) };
    }

    /// <summary>The same packages read through YamlDotNet's node tree (every file, ordinary or not); the reference for the event reader.</summary>
    internal static LockfileParse ParseTree(string path, string text)
    {
        var root = YamlLockfiles.Open(path, text, out var failure);
        if (root is null) return failure!;
        var content = new PnpmLockContent(root.Child("lockfileVersion").Scalar());
        var importers = root.Child("importers").Entries().Select(e => e.Value).Append(root).ToList();
        foreach (var importer in importers)
        {
            foreach (var group in (string[])["dependencies", "devDependencies", "optionalDependencies"])
            {
                foreach (var (name, _) in importer.Child(group).Entries()) content.Direct.Add(name.Scalar() ?? "");
            }
        }

        foreach (var (keyNode, entry) in root.Child("snapshots").Entries()) content.Snapshots.Add((keyNode.Scalar() ?? "", Requirements(entry)));
        foreach (var (keyNode, entry) in root.Child("packages").Entries())
        {
            var resolution = entry.Child("resolution");
            content.Packages.Add(new PnpmLockPackage(keyNode.Scalar() ?? "", keyNode.Line())
            {
                Name = entry.Child("name").Scalar(),
                Version = entry.Child("version").Scalar(),
                Tarball = resolution?.Child("tarball").Scalar(),
                Repo = resolution?.Child("repo").Scalar(),
                Commit = resolution?.Child("commit").Scalar(),
                Directory = resolution?.Child("directory").Scalar(),
                Integrity = resolution?.Child("integrity").Scalar(),
                Dev = entry.Child("dev").Scalar(),
                Requires = Requirements(entry),
            });
        }

        return Packages(content, out _);
    }

    private static List<string> Requirements(YamlDotNet.RepresentationModel.YamlNode entry) =>
        [.. entry.Child("dependencies").Entries().Concat(entry.Child("optionalDependencies").Entries()).Select(e => e.Key.Scalar() ?? "").Where(n => n.Length > 0)];

    // What either reader found, made into packages; `built` holds each packages entry's dependency (null: it names nothing).
    private static LockfileParse Packages(PnpmLockContent content, out Dependency?[] built)
    {
        var slashKeys = SlashKeys(content.LockfileVersion);
        built = new Dependency?[content.Packages.Count];

        // A followed version read the way its previous version was (the lockfile version decides every key's name) says what it
        // changed: the packages of the entries it made, and of the entries it replaced.
        var followed = content.Followed is { } f && SlashKeys(f.PreviousLockfileVersion) == slashKeys ? f : null;
        var found = (followed?.Previous is { } previous ? FromPrevious(content, previous, slashKeys, built) : null) ?? Whole(content, slashKeys, built);
        if (followed is null) return LockfileParse.Of(found);
        var added = new List<Dependency>(followed.Made.Count);
        foreach (var index in followed.Made)
        {
            if (built[index] is { } dependency) added.Add(dependency);
        }

        var removed = new List<Dependency>(followed.Replaced.Count);
        foreach (var entry in followed.Replaced)
        {
            // A stand-in with the fields a delta compares (the old version's Direct, line and Requires do not matter to it).
            if (entry.Facts.Get(slashKeys, entry) is { } facts) removed.Add(new Dependency(Ecosystems.Npm, facts.Name, facts.Version, false, facts.Source, entry.Integrity));
        }

        return LockfileParse.Of(found) with { Delta = new LockfileDelta(removed, added) };
    }

    // Every packages entry made into its dependency.
    private static List<Dependency> Whole(PnpmLockContent content, bool slashKeys, Dependency?[] built)
    {
        // Version 9 keeps each package's dependencies in its snapshots ("name@1.0.0(peer@2)"), apart from its resolution: the
        // lists of every snapshot of a package, in file order.
        var snapshotRequires = new Dictionary<string, List<List<string>>>(content.Snapshots.Count, StringComparer.Ordinal);
        var byBase = snapshotRequires.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (snapshot, requires) in content.Snapshots)
        {
            var key = StripPeers(snapshot.AsSpan());
            if (!byBase.TryGetValue(key, out var lists)) byBase[key] = lists = [];
            lists.Add(requires);
        }

        var found = new List<Dependency>(content.Packages.Count);
        for (var index = 0; index < content.Packages.Count; index++)
        {
            var fromSnapshots = byBase.TryGetValue(content.Packages[index].BaseKey, out var lists) ? lists : null;
            if (Made(content, index, slashKeys, fromSnapshots) is not { } dependency) continue;
            built[index] = dependency;
            found.Add(dependency);
        }

        return found;
    }

    /// <summary>
    /// The dependencies of a followed version from its previous version's: an entry taken over keeps its dependency (moved to its
    /// new line), unless the change touched a snapshot of its package; the entries made anew, and those, are made again. Null
    /// (make every entry) when the direct dependencies changed or the change touched the snapshots of most packages.
    /// </summary>
    private static List<Dependency>? FromPrevious(PnpmLockContent content, PnpmLockPrevious previous, bool slashKeys, Dependency?[] built)
    {
        if (!previous.SameDirect) return null;
        // The packages whose requirements may have changed: those of the snapshots touched, and those of the entries made. A
        // Renovate bump of a package others peer on touches the snapshots of dozens of packages: looked up by hash, not by a
        // walk of the touched list per entry, so a large change still takes the untouched entries over.
        var maxTouched = Math.Max(MinTouchedLimit, content.Packages.Count / 2);
        var touched = new TouchedPackages();
        foreach (var key in previous.TouchedSnapshots) touched.Add(key);
        for (var index = 0; index < content.Packages.Count && touched.Count <= maxTouched; index++)
        {
            if (previous.KeptFrom[index] < 0) touched.Add(content.Packages[index].Key);
        }

        if (touched.Count > maxTouched) return null;
        var lists = new List<List<string>>?[touched.Count];
        if (touched.Count > 0)
        {
            foreach (var (snapshot, requires) in content.Snapshots)
            {
                if (touched.IndexOf(snapshot) is var t and >= 0) (lists[t] ??= []).Add(requires);
            }
        }

        var found = new List<Dependency>(content.Packages.Count);
        for (var index = 0; index < content.Packages.Count; index++)
        {
            var from = previous.KeptFrom[index];
            var t = touched.Count == 0 ? -1 : touched.IndexOf(content.Packages[index]);
            Dependency? dependency;
            if (from >= 0 && t < 0)
            {
                // The same entry, the same snapshots, the same direct names: the same dependency, at its line now.
                dependency = previous.Dependencies[from];
                var line = content.LineOf(index);
                if (dependency is not null && dependency.Line != line) dependency = dependency with { Line = line };
            }
            else
            {
                dependency = Made(content, index, slashKeys, t < 0 ? null : lists[t]);
            }

            if (dependency is null) continue;
            built[index] = dependency;
            found.Add(dependency);
        }

        return found;
    }

    // Past half the entries touched, making every entry costs no more than comparing each with them; below this many, never.
    private const int MinTouchedLimit = 16;

    /// <summary>The packages (keys without their peer suffix) a change touched, each with its index in the order first added.</summary>
    /// <remarks>
    /// Asked once per entry of the version: a few are compared in turn (most changes touch one or two packages, and a key that
    /// differs does so in its first characters), more are looked up by hash.
    /// </remarks>
    private sealed class TouchedPackages
    {
        private const int Compared = 8;
        private readonly List<string> _bases = [];
        private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);

        public int Count => _bases.Count;

        public void Add(string key)
        {
            if (IndexOf(key) >= 0) return;
            var stripped = StripPeers(key.AsSpan()).ToString();
            _indexes.Add(stripped, _bases.Count);
            _bases.Add(stripped);
        }

        /// <summary>The index of the package of <paramref name="key"/> (peer suffix dropped), or -1 when it is not touched.</summary>
        public int IndexOf(string key) => IndexOfBase(StripPeers(key.AsSpan()));

        /// <summary>The same for a packages entry, by its key without the peer suffix (worked out once per entry text, not once per version).</summary>
        public int IndexOf(PnpmLockPackage entry) => IndexOfBase(entry.BaseKey);

        private int IndexOfBase(ReadOnlySpan<char> stripped)
        {
            if (_bases.Count > Compared) return _indexes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(stripped, out var index) ? index : -1;
            for (var i = 0; i < _bases.Count; i++)
            {
                if (stripped.SequenceEqual(_bases[i])) return i;
            }

            return -1;
        }
    }

    // One packages entry's dependency (null when its key names nothing), with the lists of its package's snapshots.
    private static Dependency? Made(PnpmLockContent content, int index, bool slashKeys, List<List<string>>? fromSnapshots)
    {
        var entry = content.Packages[index];
        // Worked out once per entry text (a memo's entry is shared by the versions that have it), not once per version.
        if (entry.Facts.Get(slashKeys, entry) is not { } facts) return null;
        var (name, version, source) = facts;
        return new Dependency(Ecosystems.Npm, name, version, content.Direct.Contains(name), source, entry.Integrity, content.LineOf(index))
        {
            Dev = entry.Dev == "true",
            Requires = entry.Facts.Requires(entry.Requires, fromSnapshots),
        };
    }

    private static bool SlashKeys(string? lockfileVersion) => double.TryParse(lockfileVersion, CultureInfo.InvariantCulture, out var v) && v < 6;

    /// <summary>A package's name, version and source from its entry alone; null when its key names nothing.</summary>
    internal static PackageFacts? FactsOf(PnpmLockPackage entry, bool slashKeys)
    {
        var (name, version) = Split(entry.Key.TrimStart('/'), slashKeys);
        name = entry.Name ?? name;
        version = entry.Version ?? version;
        if (name.Length == 0) return null;
        var source = entry.Tarball is { } tarball ? SourceText.FromResolved(tarball) is { Kind: SourceKind.Unknown } ? new DependencySource(SourceKind.Tarball, tarball) : SourceText.FromResolved(tarball)
            : entry.Repo is { } repo ? new DependencySource(SourceKind.Git, $"{repo}#{entry.Commit}")
            : entry.Directory is { } folder ? new DependencySource(SourceKind.Path, folder)
            : new DependencySource(SourceKind.Registry);
        if (source.Location?.StartsWith("https://codeload.github.com/", StringComparison.Ordinal) == true) source = source with { Kind = SourceKind.Git };
        return new PackageFacts(name, version, source);
    }

    internal static ReadOnlySpan<char> StripPeers(ReadOnlySpan<char> key) => key.IndexOf('(') is var peer and > 0 ? key[..peer] : key;

    /// <summary>Name and version of a key without its leading slash: "name@1.0.0(peer@2)" (v6+) or "name/1.0.0_peer@2" (v5).</summary>
    private static (string Name, string Version) Split(string key, bool slashKeys)
    {
        var peer = key.IndexOf('(', StringComparison.Ordinal);
        if (peer > 0) key = key[..peer];
        if (slashKeys)
        {
            var slash = key.LastIndexOf('/');
            if (slash <= 0) return ("", "");
            var version = key[(slash + 1)..];
            var underscore = version.IndexOf('_', StringComparison.Ordinal);
            return (key[..slash], underscore > 0 ? version[..underscore] : version);
        }

        // An empty key (a complex key, or "/") names nothing; it used to throw here.
        var at = key.Length == 0 ? -1 : key.IndexOf('@', 1);
        return at < 0 ? ("", "") : (key[..at], key[(at + 1)..]);
    }
}

/// <summary>What a pnpm lockfile says that <see cref="PnpmLockParser"/> uses, as either reader found it, in file order.</summary>
/// <param name="packages">How many packages entries it will hold, when known (the list's first size).</param>
/// <param name="snapshots">How many snapshots entries, likewise.</param>
internal sealed class PnpmLockContent(string? lockfileVersion, int packages = 0, int snapshots = 0)
{
    public string? LockfileVersion { get; } = lockfileVersion;

    /// <summary>Names the importers (and the top, for lockfile version 5) depend on directly.</summary>
    public HashSet<string> Direct { get; } = new(StringComparer.Ordinal);

    /// <summary>Each <c>snapshots</c> key with the names its <c>dependencies</c> and <c>optionalDependencies</c> list.</summary>
    public List<(string Key, List<string> Requires)> Snapshots { get; } = new(snapshots);

    public List<PnpmLockPackage> Packages { get; } = new(packages);

    /// <summary>The line of each of <see cref="Packages"/> in this version when it is not the entry's own (a memo's entry placed in a version by <see cref="PnpmLockBlocks"/>); null when they are.</summary>
    public List<int>? Lines { get; set; }

    /// <summary>The line of the packages entry at <paramref name="index"/> in this version.</summary>
    public int LineOf(int index) => Lines is { } lines ? lines[index] : Packages[index].Line;

    /// <summary>For a version made from the previous one (<see cref="PnpmLockBlocks.Follow"/>): what the change replaced and made; null for a whole read.</summary>
    public PnpmLockFollowed? Followed { get; set; }
}

/// <summary>What a followed pnpm version changed: the previous version's lockfile version, its <c>packages</c> entries the change replaced, and the indexes in <see cref="PnpmLockContent.Packages"/> of the entries it made.</summary>
internal sealed record PnpmLockFollowed(string? PreviousLockfileVersion, IReadOnlyList<PnpmLockPackage> Replaced, IReadOnlyList<int> Made)
{
    /// <summary>What the previous version's dependencies are and which of them this version took over; null when unknown.</summary>
    public PnpmLockPrevious? Previous { get; init; }
}

/// <summary>A followed version's previous version, for taking over its dependencies (<see cref="PnpmLockRest.Dependencies"/>).</summary>
/// <param name="Dependencies">The previous version's dependency for each of its packages entries (null: it names nothing).</param>
/// <param name="KeptFrom">For each packages entry of this version, the index of the previous version's entry it was taken over from, or -1 when made anew.</param>
/// <param name="TouchedSnapshots">The keys of the snapshots entries the change made or replaced.</param>
/// <param name="SameDirect">True when both versions name the same direct dependencies.</param>
internal sealed record PnpmLockPrevious(IReadOnlyList<Dependency?> Dependencies, int[] KeptFrom, IReadOnlyList<string> TouchedSnapshots, bool SameDirect);

/// <summary>One <c>packages</c> entry: its key and line, and the scalars read from it.</summary>
internal sealed class PnpmLockPackage(string key, int line)
{
    public string Key { get; } = key;

    public int Line { get; } = line;

    public string? Name { get; init; }

    public string? Version { get; init; }

    public string? Tarball { get; init; }

    public string? Repo { get; init; }

    public string? Commit { get; init; }

    public string? Directory { get; init; }

    public string? Integrity { get; init; }

    public string? Dev { get; init; }

    public List<string> Requires { get; init; } = [];

    /// <summary>The key without its peer suffix ("name@1.0.0(peer@2)" → "name@1.0.0"): what a change's touched packages are told by.</summary>
    /// <remarks>Worked out on first use, the same by any thread (a memo's entry is shared by the versions that have it).</remarks>
    public string BaseKey => _baseKey ??= PnpmLockParser.StripPeers(Key.AsSpan()) is var stripped && stripped.Length == Key.Length ? Key : stripped.ToString();

    private string? _baseKey;

    /// <summary>What <see cref="PnpmLockParser"/> derives from the entry alone, kept with it (a memo's entry is shared by the versions that have it).</summary>
    internal PackageFactsCache Facts { get; } = new();
}

/// <summary>A pnpm package's name, version and source, as its entry gives them.</summary>
internal sealed record PackageFacts(string Name, string Version, DependencySource Source);

/// <summary>The <see cref="PackageFacts"/> of one entry, worked out on first use for each way of reading keys (the same by any thread) and kept.</summary>
internal sealed class PackageFactsCache
{
    // A box per way of reading keys, so that "names nothing" is held too; a reference is written whole.
    private Made? _slash, _plain;

    public PackageFacts? Get(bool slashKeys, PnpmLockPackage entry)
    {
        if (Volatile.Read(ref slashKeys ? ref _slash : ref _plain) is { } made) return made.Facts;
        var facts = PnpmLockParser.FactsOf(entry, slashKeys);
        Volatile.Write(ref slashKeys ? ref _slash : ref _plain, new Made(facts));
        return facts;
    }

    private sealed record Made(PackageFacts? Facts);

    // The last requirements made, with the snapshot lists they were made from.
    private RequiresMade? _requires;

    /// <summary>
    /// The entry's own requirements (<paramref name="own"/>, the same list for every copy of the entry) followed by those of its
    /// snapshots, each name once, in that order. Kept for the same snapshot lists (the same objects: a memo's snapshot entry is
    /// shared by the versions that have it), so a version whose change did not touch them makes no new list.
    /// </summary>
    public IReadOnlyList<string> Requires(List<string> own, List<List<string>>? fromSnapshots)
    {
        if (Volatile.Read(ref _requires) is { } held && Same(held.Snapshots, fromSnapshots)) return held.Requires;
        IReadOnlyList<string> made = fromSnapshots is null ? [.. own] : [.. own.Concat(fromSnapshots.SelectMany(l => l)).Distinct(StringComparer.Ordinal)];
        Volatile.Write(ref _requires, new RequiresMade(fromSnapshots is null ? null : [.. fromSnapshots], made));
        return made;
    }

    private static bool Same(List<string>[]? held, List<List<string>>? now)
    {
        if (held is null || now is null) return held is null && now is null;
        if (held.Length != now.Count) return false;
        for (var i = 0; i < held.Length; i++)
        {
            if (!ReferenceEquals(held[i], now[i])) return false;
        }

        return true;
    }

    private sealed record RequiresMade(List<string>[]? Snapshots, IReadOnlyList<string> Requires);
}
