using System.Text;
using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// A <c>package-lock.json</c> read entry by entry through a <see cref="LockfileBlockMemo"/>: a history scan reads every version of
/// the file, and a commit changes a few of its entries, so each entry (<c>"name": {…}</c>, its exact text) is parsed once.
/// </summary>
/// <remarks>
/// The whole text is still checked as JSON by a reader pass with the options of the whole-file parse (any error, and any shape
/// this does not split, falls back to that parse, which reports it), and the lines are found by the same forward search over
/// the whole text. Only ASCII files are split (a reader's byte offsets are then the text's character offsets); a key the
/// parse looks up by name (<c>packages</c>, <c>dependencies</c>, the project's <c>""</c>) written twice falls back too.
/// </remarks>
internal static class NpmPackageLockBlocks
{
    private const string PackagesKind = "npm-package-lock|packages";
    private const string V1Kind = "npm-package-lock|dependencies";

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

    /// <summary>What the whole-file parse gives for <paramref name="text"/>, or null when the text is not split (the caller parses it whole).</summary>
    /// <remarks>
    /// The result's <see cref="LockfileParse.Layout"/> holds no segments, only the entries read (<see cref="LockfileLayout.Whole"/>):
    /// given the previous version's as <paramref name="previous"/>, the result says what changed (<see cref="LockfileParse.Delta"/>).
    /// The memo gives one object per entry text, so an entry object both versions hold is an entry the change did not touch.
    /// </remarks>
    public static LockfileParse? Parse(string text, LockfileBlockMemo memo, LockfileLayout? previous = null)
    {
        if (string.IsNullOrWhiteSpace(text) || !Ascii.IsValid(text)) return null;
        var bytes = Encoding.ASCII.GetBytes(text);
        // One reader pass checks the whole text and finds the members of both sections.
        (List<(string Name, int Start, int End)>? Members, bool IsObject, int Count) packages = (null, false, 0), dependencies = (null, false, 0);
        try
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isPackages = reader.ValueTextEquals("packages"u8);
                var isDependencies = !isPackages && reader.ValueTextEquals("dependencies"u8);
                reader.Read();
                if ((isPackages || isDependencies) && reader.TokenType == JsonTokenType.StartObject)
                {
                    var members = Members(ref reader);
                    if (isPackages) packages = (members, true, packages.Count + 1);
                    else dependencies = (members, true, dependencies.Count + 1);
                    continue;
                }

                if (isPackages) packages = (null, false, packages.Count + 1);
                if (isDependencies) dependencies = (null, false, dependencies.Count + 1);
                reader.Skip();
            }

            // Anything after the root object is an error the whole-file parse reports.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return null;
        }

        if (packages.Count > 1 || dependencies.Count > 1) return null;
        var lines = new LineIndex(text);
        if (packages.Count == 1)
        {
            if (!packages.IsObject) return null;
            var entries = new List<NpmPackageLockParser.PackagesEntry>();
            HashSet<string>? direct = null;
            foreach (var (name, start, end) in packages.Members!)
            {
                if (end < 0)
                {
                    // Not an object: nothing but its line search (its needle ends in '{', which it cannot match here).
                    entries.Add(new($"\"{name}\": {{", null, "", false));
                    if (name.Length == 0) return null;
                    continue;
                }

                var block = text.AsSpan(start, end - start);
                if (name.Length == 0)
                {
                    if (direct is not null) return null;
                    direct = memo.Get(PackagesKind + "|project", block, b => Read(b, p => new ProjectEntry(NpmPackageLockParser.ProjectKeys(p.Value)))).Keys;
                }

                entries.Add(memo.Get(PackagesKind, block, b => Read(b, NpmPackageLockParser.ReadPackagesEntry)));
            }

            var changes = Changes(entries, previous);
            var parse = NpmPackageLockParser.FromPackages(entries, direct ?? [], lines, changes?.IsNew);
            return Laid(parse, entries, changes);
        }

        if (dependencies.Count == 0) return LockfileParse.Of([]);
        if (!dependencies.IsObject) return null;
        var tops = new List<NpmPackageLockParser.V1Entry>();
        foreach (var (_, start, end) in dependencies.Members!)
        {
            if (end >= 0) tops.Add(memo.Get(V1Kind, text.AsSpan(start, end - start), b => Read(b, NpmPackageLockParser.ReadV1Entry)));
        }

        var topChanges = Changes(tops, previous);
        return Laid(NpmPackageLockParser.FromDependencies(tops, lines, topChanges?.IsNew), tops, topChanges);
    }

    // Which of this version's entries the previous version did not hold (by object: the memo's one per text), and the previous
    // version's entries this one no longer holds; null without a previous version read the same way.
    private static (bool[] IsNew, List<object> Gone)? Changes<T>(List<T> entries, LockfileLayout? previous)
        where T : class
    {
        if (previous?.Whole is not Entries { Items: var before }) return null;
        var held = new Dictionary<object, int>(before.Count, ReferenceEqualityComparer.Instance);
        foreach (var entry in before) held[entry] = held.GetValueOrDefault(entry) + 1;
        var isNew = new bool[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            if (held.TryGetValue(entries[i], out var count) && count > 0) held[entries[i]] = count - 1;
            else isNew[i] = true;
        }

        var gone = new List<object>();
        foreach (var (entry, count) in held)
        {
            for (var i = 0; i < count; i++) gone.Add(entry);
        }

        return (isNew, gone);
    }

    // The parse with its entries as the layout the next version is compared with, and what changed since the previous one.
    private static LockfileParse Laid<T>(LockfileParse parse, List<T> entries, (bool[] IsNew, List<object> Gone)? changes)
        where T : class
    {
        var layout = new LockfileLayout([], new Entries(entries));
        if (changes is not { } c || parse.Delta is not { } made) return parse with { Layout = layout };
        return parse with { Layout = layout, Delta = new LockfileDelta([.. c.Gone.SelectMany(PackagesOf)], made.Added) };
    }

    // The packages an entry of either kind gives (the previous version may be of the other lockfile version: v1 before v2).
    internal static IEnumerable<Dependency> PackagesOf(object entry) => entry switch
    {
        NpmPackageLockParser.PackagesEntry { Template: { } template } => [template],
        NpmPackageLockParser.V1Entry v1 => v1.Packages.Select(p => p.Template),
        _ => [],
    };

    // The entries of a version, in file order (a layout without segments: the next version is read whole, and compared by entry).
    private sealed record Entries(IReadOnlyList<object> Items);

    // The members of the object the reader is at the start of, leaving the reader at its end: each one's name, and the span of
    // '"name": {…}' from the name's opening quote to the closing brace; End is -1 when the value is not an object.
    private static List<(string Name, int Start, int End)> Members(ref Utf8JsonReader reader)
    {
        var found = new List<(string, int, int)>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var name = reader.GetString()!;
            reader.Read();
            var isObject = reader.TokenType == JsonTokenType.StartObject;
            reader.Skip();
            found.Add((name, start, isObject ? (int)reader.TokenStartIndex + 1 : -1));
        }

        return found;
    }

    // What 'read' makes of the one member of a block '"name": {…}'.
    internal static T Read<T>(string block, Func<JsonProperty, T> read)
    {
        using var document = JsonDocument.Parse("{" + block + "}", DocumentOptions);
        return read(document.RootElement.EnumerateObject().First());
    }

    /// <summary>The project's requirements (its <c>""</c> entry), as the memo holds them.</summary>
    internal sealed class ProjectEntry(HashSet<string> keys)
    {
        public HashSet<string> Keys { get; } = keys;
    }
}
