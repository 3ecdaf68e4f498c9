using System.IO.Hashing;
using System.Text;

namespace PipeWatch.Sources;

/// <summary>Turns short UTF-8 texts into strings, handing back the same string for the same bytes while it stays in the cache.</summary>
/// <remarks>
/// For texts that repeat on every entry, such as field names: one string each instead of one (or two, with a prefix) per entry.
/// Direct-mapped and fixed in size, so it never grows: a text whose slot holds another text replaces it. Caching every value
/// too was measured and gained nothing (1M audit entries: 2.8–3.1 s either way), so values are decoded as they come.
/// Not thread-safe: one per thread.
/// </remarks>
internal sealed class Utf8StringCache
{
    /// <summary>Longer texts (a commit message, a URL with a query) rarely repeat: they are decoded, not cached.</summary>
    public const int MaxLength = 96;

    private const int Slots = 4096;

    /// <summary>Throws on bytes that are not UTF-8, as <c>Utf8JsonReader.GetString</c> does, rather than replacing them.</summary>
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[]?[] _bytes = new byte[]?[Slots];
    private readonly string[] _strings = new string[Slots];
    private readonly string _prefix;

    /// <param name="prefix">Put before every string made, e.g. <c>github.</c> for field names; the bytes looked up exclude it.</param>
    public Utf8StringCache(string prefix = "") => _prefix = prefix;

    /// <summary>The prefix and the text of <paramref name="utf8"/>, cached when short.</summary>
    /// <exception cref="DecoderFallbackException">The bytes are not valid UTF-8.</exception>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength) return Decode(utf8);
        var slot = (int)(XxHash3.HashToUInt64(utf8) & (Slots - 1));
        if (_bytes[slot] is { } cached && utf8.SequenceEqual(cached)) return _strings[slot];
        var text = Decode(utf8);
        _bytes[slot] = utf8.ToArray();
        _strings[slot] = text;
        return text;
    }

    private string Decode(ReadOnlySpan<byte> utf8) => _prefix.Length == 0 ? Strict.GetString(utf8) : string.Concat(_prefix, Strict.GetString(utf8));
}
