using System.Numerics;

namespace PipeWatch.Intel;

/// <summary>
/// A blocked Bloom filter over ASCII values compared without case: says for certain that a value is absent, so the index
/// probes its table only for values that may be there. Two bits in one 64-bit word per value, about 16 bits per value.
/// </summary>
/// <remarks>
/// The hash is FNV-1a taken from the last character to the first (ASCII letters folded to lower case), so one pass over a
/// host name gives the hash of every parent-domain suffix on the way (<see cref="IndicatorIndex.Domain"/>). A value holding a
/// character outside ASCII is never judged by the filter: the caller probes its table, as it would without one (the table's
/// case-insensitive comparison folds some of those onto ASCII letters). Built once, read-only after: safe to share.
/// </remarks>
internal sealed class SpanFilter
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    private readonly ulong[] _words;
    private readonly int _shift;

    /// <param name="values">The values the table holds; the filter is exact (<see cref="Judges"/> false) when one is not plain ASCII.</param>
    public SpanFilter(IReadOnlyCollection<string> values)
    {
        // 16 bits a value, at least one word, a power of two of words: false positives about 1.5% when full.
        var words = (int)Math.Min(1 << 26, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (values.Count + 3) / 4)));
        _words = new ulong[words];
        _shift = 64 - BitOperations.Log2((uint)words);
        Judges = true;
        foreach (var value in values)
        {
            if (!System.Text.Ascii.IsValid(value)) Judges = false;
            Add(Finish(Step(Offset, value)));
        }
    }

    /// <summary>False when some value held is not plain ASCII: then every value may be there.</summary>
    public bool Judges { get; }

    /// <summary>The hash state before any character.</summary>
    public static ulong Start => Offset;

    /// <summary>The state after taking the characters of <paramref name="value"/>, last to first; null when one is not ASCII.</summary>
    public static ulong? Hash(ReadOnlySpan<char> value)
    {
        var h = Offset;
        for (var i = value.Length - 1; i >= 0; i--)
        {
            var c = value[i];
            if (c > 0x7f) return null;
            h = Take(h, c);
        }

        return h;
    }

    /// <summary>Takes one more character (the one before those taken so far); the caller has checked it is ASCII.</summary>
    public static ulong Take(ulong h, char c) => (h ^ (uint)(char.IsAsciiLetterUpper(c) ? c | 0x20 : c)) * Prime;

    /// <summary>False when the value whose hash state is <paramref name="h"/> is certainly not held.</summary>
    public bool MayContain(ulong h)
    {
        if (!Judges) return true;
        var x = Finish(h);
        var bits = (1UL << (int)(x & 63)) | (1UL << (int)((x >> 6) & 63));
        return (_words[_shift == 64 ? 0 : (int)(x >> _shift)] & bits) == bits;
    }

    /// <summary>False when <paramref name="value"/> is certainly not held.</summary>
    public bool MayContain(ReadOnlySpan<char> value) => Hash(value) is not { } h || MayContain(h);

    private static ulong Step(ulong h, string value)
    {
        for (var i = value.Length - 1; i >= 0; i--) h = Take(h, value[i]);
        return h;
    }

    private void Add(ulong x) => _words[_shift == 64 ? 0 : (int)(x >> _shift)] |= (1UL << (int)(x & 63)) | (1UL << (int)((x >> 6) & 63));

    // A finalizer (murmur3's) so that the word index and the bit positions come from well-mixed bits.
    private static ulong Finish(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccd;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53;
        h ^= h >> 33;
        return h;
    }
}
