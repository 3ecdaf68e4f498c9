using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>npm <c>package-lock.json</c> and <c>npm-shrinkwrap.json</c>, lockfile versions 1 (nested <c>dependencies</c>), 2 and 3 (<c>packages</c>).</summary>
/// <remarks>
/// Each entry of <c>packages</c> (v2, v3) and each top-level entry of <c>dependencies</c> with its nested ones (v1) is read on its
/// own (<see cref="ReadPackagesEntry"/>, <see cref="ReadV1Entry"/>); what depends on the whole file (which packages are direct,
/// and the line, found by a forward search of the text in entry order) is added after. The whole-file parse and the entry memo
/// (<see cref="NpmPackageLockBlocks"/>) share that code, so they give the same packages.
/// </remarks>
internal sealed class NpmPackageLockParser : ILockfileParser
{
    private static readonly string[] ProjectSections = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

    public string Format => "npm-package-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) is "package-lock.json" or "npm-shrinkwrap.json";

    public LockfileParse Parse(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        var root = document.RootElement;
        var lines = new LineIndex(text);
        // v2 carries both sections; "packages" is the complete one.
        if (root.Object("packages") is { } packages)
        {
            var direct = packages.Object("") is { } project ? ProjectKeys(project) : [];
            return FromPackages([.. packages.EnumerateObject().Select(ReadPackagesEntry)], direct, lines);
        }

        // Version 1 lists no "packages"; its top-level entries nest their own dependencies.
        return root.Object("dependencies") is { } top
            ? FromDependencies([.. top.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.Object).Select(ReadV1Entry)], lines)
            : LockfileParse.Of([]);
    }

    /// <summary>Exactly what <see cref="Parse(string, string)"/> gives, re-reading only the entries <paramref name="memo"/> does not hold.</summary>
    /// <remarks>Text as npm writes it is cut into line segments for the next version to follow (<see cref="NpmPackageLockLayout"/>); other text is read by entry.</remarks>
    public LockfileParse Parse(string path, string text, LockfileBlockMemo memo) => NpmPackageLockLayout.Read(text, memo) ?? NpmPackageLockBlocks.Parse(text, memo) ?? Parse(path, text);

    /// <summary>
    /// The same as <see cref="Parse(string, string, LockfileBlockMemo)"/>, with what changed since <paramref name="previous"/>
    /// (<see cref="LockfileParse.Delta"/>): made from its line segments and the change's edits, only the entries they touch read
    /// (<see cref="NpmPackageLockLayout.Follow"/>); null when it cannot be (the caller parses the text). A previous version that
    /// was not cut into segments (text npm does not write) gives this one's segments when it has them, or else this one read
    /// whole and compared by entry.
    /// </summary>
    public LockfileParse? Follow(string path, string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits) =>
        NpmPackageLockLayout.Made(previous)
            ? NpmPackageLockLayout.Follow(text, memo, previous, edits)
            : NpmPackageLockLayout.Read(text, memo) ?? NpmPackageLockBlocks.Parse(text, memo, previous);

    /// <summary>One entry of <c>packages</c>, apart from what depends on the rest of the file.</summary>
    internal static PackagesEntry ReadPackagesEntry(JsonProperty entry)
    {
        var needle = $"\"{entry.Name}\": {{";
        var at = entry.Name.LastIndexOf("node_modules/", StringComparison.Ordinal);
        // "" is the project itself; paths without node_modules/ are workspace folders; links point at those folders.
        if (at < 0 || entry.Value.ValueKind != JsonValueKind.Object || entry.Value.Bool("link")) return new(needle, null, "", false);
        var folder = entry.Name[(at + "node_modules/".Length)..];
        var name = entry.Value.String("name") ?? folder;
        var version = entry.Value.String("version") ?? "";
        var topLevel = entry.Name.IndexOf("node_modules/", StringComparison.Ordinal) == at && at == 0;
        var template = new Dependency(Ecosystems.Npm, name, version, false, SourceText.FromResolved(entry.Value.String("resolved")), entry.Value.String("integrity"))
        {
            Requires = [.. entry.Value.Keys("dependencies"), .. entry.Value.Keys("optionalDependencies")],
            Dev = entry.Value.Bool("dev") || entry.Value.Bool("devOptional"),
        };
        return new(needle, template, folder, topLevel);
    }

    /// <summary>The project's own requirements, from the <c>""</c> entry of <c>packages</c>.</summary>
    internal static HashSet<string> ProjectKeys(JsonElement project)
    {
        var direct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in ProjectSections) direct.UnionWith(project.Keys(section));
        return direct;
    }

    /// <param name="isNew">Which entries the previous version did not hold, when known: their packages are the delta's added ones (its removed ones are the caller's).</param>
    internal static LockfileParse FromPackages(IReadOnlyList<PackagesEntry> entries, HashSet<string> direct, LineIndex lines, bool[]? isNew = null)
    {
        var found = new List<Dependency>();
        var added = isNew is null ? null : new List<Dependency>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            // Every entry moves the search on, also those that are not packages.
            var line = lines.Next(entry.Needle);
            if (entry.Template is not { } template) continue;
            var dependency = template with { Direct = entry.TopLevel && direct.Contains(entry.Folder), Line = line };
            found.Add(dependency);
            if (isNew?[i] == true) added!.Add(dependency);
        }

        return added is null ? LockfileParse.Of(found) : LockfileParse.Of(found) with { Delta = new LockfileDelta([], added) };
    }

    /// <summary>One top-level entry of a version 1 <c>dependencies</c> (an object) with its nested entries, apart from what depends on the rest of the file.</summary>
    internal static V1Entry ReadV1Entry(JsonProperty top)
    {
        var packages = new List<V1Package>();
        var requires = new HashSet<string>(StringComparer.Ordinal);
        Add(top, true);
        return new([.. packages], [.. requires]);

        void Add(JsonProperty entry, bool topLevel)
        {
            requires.UnionWith(entry.Value.Keys("requires"));
            var version = entry.Value.String("version") ?? "";
            var name = entry.Name;
            // An alias ("npm:real-name@1.2.3") installs another package under this folder name.
            if (version.StartsWith("npm:", StringComparison.Ordinal) && version.LastIndexOf('@') is var at and > 4)
            {
                name = version[4..at];
                version = version[(at + 1)..];
            }

            var resolved = entry.Value.String("resolved");
            var source = SourceText.FromResolved(resolved ?? (version.Contains(':', StringComparison.Ordinal) ? version : null));
            if (source.Kind == SourceKind.Git && version.Contains('#', StringComparison.Ordinal)) version = version[(version.LastIndexOf('#') + 1)..];
            if (source.Kind == SourceKind.Path && version.StartsWith("file:", StringComparison.Ordinal)) version = "";
            var template = new Dependency(Ecosystems.Npm, name, version, false, source, entry.Value.String("integrity"))
            {
                Requires = [.. entry.Value.Keys("requires")],
                Dev = entry.Value.Bool("dev"),
            };
            packages.Add(new($"\"{entry.Name}\": {{", template, entry.Name, topLevel));
            if (entry.Value.Object("dependencies") is not { } nested) return;
            foreach (var child in nested.EnumerateObject())
            {
                if (child.Value.ValueKind == JsonValueKind.Object) Add(child, false);
            }
        }
    }

    /// <param name="isNew">Which top-level entries the previous version did not hold, when known (as for <see cref="FromPackages"/>).</param>
    internal static LockfileParse FromDependencies(IReadOnlyList<V1Entry> entries, LineIndex lines, bool[]? isNew = null)
    {
        // Version 1 does not list the project's own requirements: a top-level entry nothing else requires is taken as direct.
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries) required.UnionWith(entry.Requires);
        var found = new List<Dependency>();
        var added = isNew is null ? null : new List<Dependency>();
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var package in entries[i].Packages)
            {
                var line = lines.Next(package.Needle);
                var dependency = package.Template with { Direct = package.TopLevel && !required.Contains(package.EntryName), Line = line };
                found.Add(dependency);
                if (isNew?[i] == true) added!.Add(dependency);
            }
        }

        return added is null ? LockfileParse.Of(found) : LockfileParse.Of(found) with { Delta = new LockfileDelta([], added) };
    }

    /// <summary>An entry of <c>packages</c>: the text its line is searched by, and the package (null for the project, a workspace folder or a link).</summary>
    internal sealed record PackagesEntry(string Needle, Dependency? Template, string Folder, bool TopLevel);

    /// <summary>A version 1 top-level entry: its packages in file order (itself, then the nested ones), and every name they require.</summary>
    internal sealed record V1Entry(V1Package[] Packages, string[] Requires);

    internal sealed record V1Package(string Needle, Dependency Template, string EntryName, bool TopLevel);
}
