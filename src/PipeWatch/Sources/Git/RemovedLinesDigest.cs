using System.IO.Hashing;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>
/// A digest of the lines a <c>-U0</c> diff removed: folded by <see cref="GitLogParser"/> from git's <c>-</c> lines, and by
/// <see cref="DiffRebuild"/> from the old text at the places the hunks name, so that a rebuild can check the old text it starts
/// from at the cost of the change instead of hashing the whole new version.
/// </summary>
/// <remarks>
/// Each line is its UTF-8 bytes then <c>\n</c>; a line that ends a file without a newline (git's <c>\ No newline at end of
/// file</c> after a <c>-</c> line) is followed by one 0xFF byte, which no UTF-8 text holds, so a text that ends with a newline
/// and one that does not fold differently. 128 bits of XxHash128: a chance mismatch is out of reach, and a deliberate collision
/// gains nothing, since git's removed lines are the old blob's lines and the old text is git's or was itself checked. Not thread-safe.
/// </remarks>
internal sealed class RemovedLinesDigest
{
    private const byte NoNewlineMark = 0xFF;

    // Characters encoded per piece (at most 3 UTF-8 bytes each: no pair is split between pieces).
    private const int Piece = 1024;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly XxHash128 _hash = new();

    public UInt128 Value => _hash.GetCurrentHashAsUInt128();

    /// <summary>One removed line as git printed it, without its <c>-</c> and its newline.</summary>
    public void AddLine(ReadOnlySpan<byte> line)
    {
        _hash.Append(line);
        _hash.Append("\n"u8);
    }

    /// <summary>The line added last ended the old file without a newline.</summary>
    public void AddNoNewlineMark() => _hash.Append([NoNewlineMark]);

    /// <summary>Whole lines of an old text, as UTF-8: each ends with <c>\n</c>, or the text's last line without one (then marked).</summary>
    public void AddLines(ReadOnlySpan<char> lines)
    {
        Span<byte> bytes = stackalloc byte[Piece * 3];
        var rest = lines;
        while (!rest.IsEmpty)
        {
            var take = Math.Min(rest.Length, Piece);
            if (take < rest.Length && char.IsHighSurrogate(rest[take - 1])) take--;
            var written = Utf8.GetBytes(rest[..take], bytes);
            _hash.Append(bytes[..written]);
            rest = rest[take..];
        }

        if (!lines.IsEmpty && lines[^1] != '\n')
        {
            _hash.Append("\n"u8);
            AddNoNewlineMark();
        }
    }
}
