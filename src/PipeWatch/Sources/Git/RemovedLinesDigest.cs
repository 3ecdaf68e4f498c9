using System.Buffers;
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
/// and one that does not fold differently. The bytes are gathered in one pooled buffer and hashed at once (XxHash128): a hash
/// object per file, or a hash call per line, cost the parser more than the hashing. 128 bits: a chance mismatch is out of
/// reach, and a deliberate collision gains nothing, since git's removed lines are the old blob's lines and the old text is
/// git's or was itself checked. Reusable after <see cref="Clear"/>; not thread-safe; Dispose hands the buffer back.
/// </remarks>
internal sealed class RemovedLinesDigest : IDisposable
{
    private const byte NoNewlineMark = 0xFF;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private byte[] _bytes = [];
    private int _length;

    /// <summary>The digest of the lines folded since the last <see cref="Clear"/>.</summary>
    public UInt128 Value => XxHash128.HashToUInt128(_bytes.AsSpan(0, _length));

    /// <summary>The digest of no line at all (a change that only adds).</summary>
    public static UInt128 Nothing { get; } = XxHash128.HashToUInt128([]);

    /// <summary>One removed line as git printed it, without its <c>-</c> and its newline.</summary>
    public void AddLine(ReadOnlySpan<byte> line)
    {
        var to = Room(line.Length + 1);
        line.CopyTo(to);
        to[line.Length] = (byte)'\n';
    }

    /// <summary>The line added last ended the old file without a newline.</summary>
    public void AddNoNewlineMark() => Room(1)[0] = NoNewlineMark;

    /// <summary>Whole lines of an old text, as UTF-8: each ends with <c>\n</c>, or the text's last line without one (then marked).</summary>
    public void AddLines(ReadOnlySpan<char> lines)
    {
        if (lines.IsEmpty) return;
        var to = Room(Utf8.GetByteCount(lines));
        Utf8.GetBytes(lines, to);
        if (lines[^1] != '\n')
        {
            Room(1)[0] = (byte)'\n';
            AddNoNewlineMark();
        }
    }

    public void Clear() => _length = 0;

    public void Dispose()
    {
        if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
        (_bytes, _length) = ([], 0);
    }

    // The next `count` bytes of the buffer, grown (pooled) when they do not fit.
    private Span<byte> Room(int count)
    {
        if (_length + count > _bytes.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + count, Math.Max(256, _bytes.Length * 2)));
            _bytes.AsSpan(0, _length).CopyTo(larger);
            if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = larger;
        }

        var room = _bytes.AsSpan(_length, count);
        _length += count;
        return room;
    }
}
