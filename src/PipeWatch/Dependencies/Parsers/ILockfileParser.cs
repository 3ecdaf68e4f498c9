using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Reads one lockfile or manifest format into the packages it pins.</summary>
/// <remarks>
/// Stateless and thread-safe. A malformed file is not an exception: <see cref="Parse(string, string)"/> returns no packages and a
/// <see cref="Problem"/> naming the file and, where known, the line.
/// </remarks>
internal interface ILockfileParser
{
    /// <summary>The format id, kebab-case (<c>npm-package-lock</c>).</summary>
    string Format { get; }

    /// <summary>True when a file at <paramref name="path"/> (forward slashes) is of this format, by its name.</summary>
    bool Recognizes(string path);

    /// <summary>The packages in <paramref name="text"/>, the content of the file at <paramref name="path"/>.</summary>
    LockfileParse Parse(string path, string text);

    /// <summary>
    /// Exactly what <see cref="Parse(string, string)"/> gives; a format that splits into blocks (entries) re-reads only the blocks
    /// <paramref name="memo"/> does not hold yet (the entries a commit changed), the others by default parse the whole text.
    /// </summary>
    LockfileParse Parse(string path, string text, LockfileBlockMemo memo) => Parse(path, text);

    /// <summary>
    /// Exactly what <see cref="Parse(string, string, LockfileBlockMemo)"/> gives for <paramref name="text"/>, made from the
    /// previous version's <see cref="LockfileParse.Layout"/> and the change's line edits (only the lines around them are read);
    /// null when it cannot be made so, and the caller parses the text. Formats without a layout return null.
    /// </summary>
    LockfileParse? Follow(string path, string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits) => null;
}

/// <summary>What a parser read: the packages, and the problems that stopped it (a bad file has problems and no packages).</summary>
internal sealed record LockfileParse(IReadOnlyList<Dependency> Dependencies, IReadOnlyList<Problem> Problems)
{
    /// <summary>The version cut into segments, for <see cref="ILockfileParser.Follow"/> to make the next version from (formats that split only).</summary>
    public LockfileLayout? Layout { get; init; }

    /// <summary>For a version made by <see cref="ILockfileParser.Follow"/>: what it changed against the version it was made from; null for a whole read.</summary>
    public LockfileDelta? Delta { get; init; }

    public static LockfileParse Of(IReadOnlyList<Dependency> dependencies) => new(dependencies, []);

    public static LockfileParse Failed(string path, string reason, int? line = null) => new([], [new Problem(path, reason, line)]);

    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// What a version made by <see cref="ILockfileParser.Follow"/> changed against the version it was made from, so that a commit's
/// new, moved and removed packages come from the entries it touched instead of from both whole lists.
/// </summary>
/// <remarks>
/// The contract, which each following parser keeps (proven by the tests and <c>bench --suite lockfiles</c>): taking
/// <see cref="Removed"/> out of the old packages and putting <see cref="Added"/> in gives the new packages, counted as a multiset
/// of (ecosystem, name, version, source, integrity); every other new package is an untouched entry with those same fields
/// (its line, <c>Direct</c> or <c>Requires</c> may differ: an importer or a snapshot moved). <see cref="Added"/> are the new
/// version's own objects, in file order; <see cref="Removed"/> may be stand-ins that carry only those fields.
/// </remarks>
internal sealed record LockfileDelta(IReadOnlyList<Dependency> Removed, IReadOnlyList<Dependency> Added);
