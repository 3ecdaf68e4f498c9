namespace PipeWatch.Detectors.Dependencies;

/// <summary>Compares two integrity values of a lockfile entry by algorithm: only a hash of the same algorithm can say the content changed.</summary>
/// <remarks>
/// npm wrote <c>sha1-…</c> or <c>sha512-…</c> for the same published tarball depending on the npm version and the registry's
/// metadata at install time, and a Subresource Integrity value may hold several hashes (<c>sha512-… sha1-…</c>). A
/// <c>sha1</c> and a <c>sha512</c> of the same bytes always differ as text; comparing them says nothing.
/// A value may also be a set of hashes of one algorithm, one per file of a release (<c>Pipfile.lock</c>'s
/// <c>sha256:…</c> list, space-separated): a hash added alone is a file the release gained (a registry such as PyPI never
/// takes a file name twice), a hash dropped alone is a file no longer accepted; content changed only when a hash left and
/// another came in its place.
/// </remarks>
internal static class IntegrityHashes
{
    private static readonly string[] Algorithms = ["sha1", "sha256", "sha384", "sha512", "md5", "h1"];

    /// <summary>True when both values hold hashes of a common algorithm and a hash of the old set was replaced by one not there before.</summary>
    public static bool Changed(string? before, string? after) => Replaced(before, after) is not null;

    /// <summary>One hash that left and one that came in its place, for the explanation; null when the content did not change.</summary>
    public static (string Before, string After)? Replaced(string? before, string? after)
    {
        if (before is not { Length: > 0 } || after is not { Length: > 0 } || before == after) return null;
        var old = Parse(before);
        var now = Parse(after);
        foreach (var (algorithm, hashes) in old)
        {
            if (!now.TryGetValue(algorithm, out var current)) continue;
            var had = hashes.Select(h => h.Hash).ToHashSet(StringComparer.Ordinal);
            var has = current.Select(c => c.Hash).ToHashSet(StringComparer.Ordinal);
            var gone = hashes.FirstOrDefault(h => !has.Contains(h.Hash));
            var came = current.FirstOrDefault(c => !had.Contains(c.Hash));
            if (gone.Token is not null && came.Token is not null) return (gone.Token, came.Token);
        }

        return null;
    }

    // "sha512-abc sha1-def" → {sha512: [abc], sha1: [def]}; "sha256:ab sha256:cd" → {sha256: [ab, cd]}; anything else (a Cargo
    // checksum) is one value of its own kind.
    private static Dictionary<string, List<(string Hash, string Token)>> Parse(string value)
    {
        var hashes = new Dictionary<string, List<(string, string)>>(StringComparer.OrdinalIgnoreCase);
        foreach (var token in value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = token.IndexOfAny(['-', ':']);
            var algorithm = separator > 0 && Algorithms.Contains(token[..separator], StringComparer.OrdinalIgnoreCase) ? token[..separator].ToLowerInvariant() : "value";
            if (!hashes.TryGetValue(algorithm, out var list)) hashes[algorithm] = list = [];
            list.Add((algorithm == "value" ? token : token[(separator + 1)..], token));
        }

        return hashes;
    }
}
