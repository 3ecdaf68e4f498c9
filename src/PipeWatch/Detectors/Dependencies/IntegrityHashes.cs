namespace PipeWatch.Detectors.Dependencies;

/// <summary>Compares two integrity values of a lockfile entry by algorithm: only a hash of the same algorithm can say the content changed.</summary>
/// <remarks>
/// npm wrote <c>sha1-…</c> or <c>sha512-…</c> for the same published tarball depending on the npm version and the registry's
/// metadata at install time, and a Subresource Integrity value may hold several hashes (<c>sha512-… sha1-…</c>). A
/// <c>sha1</c> and a <c>sha512</c> of the same bytes always differ as text; comparing them says nothing.
/// </remarks>
internal static class IntegrityHashes
{
    private static readonly string[] Algorithms = ["sha1", "sha256", "sha384", "sha512"];

    /// <summary>True when both values hold a hash of a common algorithm and those hashes differ.</summary>
    public static bool Changed(string? before, string? after)
    {
        if (before is not { Length: > 0 } || after is not { Length: > 0 } || before == after) return false;
        var old = Parse(before);
        var now = Parse(after);
        return old.Any(o => now.TryGetValue(o.Key, out var hash) && !string.Equals(hash, o.Value, StringComparison.Ordinal));
    }

    // "sha512-abc sha1-def" → {sha512: abc, sha1: def}; anything else (h1:…, a Cargo checksum) is one value of its own kind.
    private static Dictionary<string, string> Parse(string value)
    {
        var hashes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var token in value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = token.IndexOf('-', StringComparison.Ordinal);
            var algorithm = dash > 0 && Algorithms.Contains(token[..dash], StringComparer.OrdinalIgnoreCase) ? token[..dash] : "value";
            hashes[algorithm] = algorithm == "value" ? token : token[(dash + 1)..];
        }

        return hashes;
    }
}
