using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>
/// Rebuilds a file's new version from its old version and the change's <c>-U0</c> hunks and added lines, and checks the result
/// against the new blob id, so that a history scan need not ask <c>git cat-file</c> for a version the log already described.
/// </summary>
/// <remarks>
/// Pure and thread-safe. A text is returned only when its git blob id (SHA-1, or SHA-256 for a 64-digit id, of
/// <c>"blob &lt;bytes&gt;\0"</c> and its UTF-8 bytes) is the change's new blob id and it reads as text as
/// <see cref="CatFileBlobReader"/> would (no NUL in its first 8,000 bytes); anything else (a patch that does not apply, a file
/// that is not valid UTF-8, line ends the added lines do not carry) gives null, and the caller reads the blob.
/// </remarks>
internal static class DiffRebuild
{
    private const int BinaryProbe = 8000;

    // Characters encoded per piece when a text is hashed (at most 3 UTF-8 bytes each, 4 for a pair split across pieces).
    private const int EncodeChunk = 16 * 1024;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>The new version of <paramref name="change"/> made from <paramref name="oldText"/> (empty for an added file), or null when it cannot be made and checked.</summary>
    public static string? NewText(string oldText, GitFileChange change)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(change);
        if (change.NewBlob is not { } id || Apply(oldText, change) is not { } text) return null;
        return HasId(text, id) ? text : null;
    }

    /// <summary>The hunks applied to <paramref name="oldText"/>, unchecked; null when they do not fit it.</summary>
    internal static string? Apply(string oldText, GitFileChange change)
    {
        if (change.Hunks is not { } hunks || change.Binary || change.Kind is FileChangeKind.Deleted or FileChangeKind.TypeChanged) return null;
        // As one text (what the parser gives): each line read as a span of it, not made into a string.
        var added = AddedText.Of(change.Added);
        if (added.Count != change.LinesAdded) return null;
        if (hunks.Count == 0) return oldText;

        // First where each old piece kept ends up (old text before each hunk, then the tail), then one string made at once.
        var kept = new int[(hunks.Count + 1) * 2];
        int line = 0, at = 0, next = 0, length = 0;
        for (var h = 0; h < hunks.Count; h++)
        {
            var (oldStart, oldCount, newStart, newCount) = hunks[h];
            // "-a,0" inserts after line a; "-a,b" replaces lines a … a+b-1.
            var keep = oldCount == 0 ? oldStart : oldStart - 1;
            if (keep < line || next + newCount > added.Count) return null;
            var end = Skip(oldText, at, keep - line);
            if (end < 0) return null;
            (kept[h * 2], kept[(h * 2) + 1]) = (at, end);
            length += end - at;
            at = Skip(oldText, end, oldCount);
            if (at < 0) return null;
            line = keep + oldCount;
            for (var i = 0; i < newCount; i++, next++)
            {
                if (added.Number(next) != newStart + i) return null;
                length += added.Length(next) + 1;
            }
        }

        if (next != added.Count) return null;
        (kept[^2], kept[^1]) = (at, oldText.Length);
        length += oldText.Length - at;
        if (hunks.NewEndsWithoutNewline)
        {
            // Only the last added line can be the last line of the file: its newline is not written.
            if (at != oldText.Length || added.Count == 0 || hunks[hunks.Count - 1].NewCount == 0) return null;
            length--;
        }

        return string.Create(length, (oldText, hunks, added, kept), static (span, state) =>
        {
            var (old, hunks, added, kept) = state;
            int to = 0, next = 0;
            for (var h = 0; h <= hunks.Count; h++)
            {
                var piece = old.AsSpan(kept[h * 2], kept[(h * 2) + 1] - kept[h * 2]);
                piece.CopyTo(span[to..]);
                to += piece.Length;
                if (h == hunks.Count) break;
                for (var i = 0; i < hunks[h].NewCount; i++, next++)
                {
                    var text = added.Span(next);
                    text.CopyTo(span[to..]);
                    to += text.Length;
                    // The last line of a file that ends without a newline: the span ends here.
                    if (to < span.Length) span[to++] = '\n';
                }
            }
        });
    }

    /// <summary>True when <paramref name="text"/>, as UTF-8, is the blob <paramref name="blobId"/> and reads as text.</summary>
    public static bool HasId(string text, string blobId)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(blobId);
        var sha256 = blobId.Length == 64;
        if (!sha256 && blobId.Length != 40) return false;
        var length = Utf8.GetByteCount(text);
        Span<byte> header = stackalloc byte[32];
        var headerLength = Encoding.ASCII.GetBytes($"blob {length}\0", header);
        using var hash = IncrementalHash.CreateHash(sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
        hash.AppendData(header[..headerLength]);
        // Encoded and hashed a piece at a time through one small buffer: a whole lockfile version encoded at once would take a
        // large-object-sized buffer per check (the encoder carries a surrogate pair split between two pieces).
        var encoder = Utf8.GetEncoder();
        var buffer = ArrayPool<byte>.Shared.Rent(EncodeChunk * 4);
        try
        {
            var chars = text.AsSpan();
            var hashed = 0;
            do
            {
                var piece = chars[..Math.Min(chars.Length, EncodeChunk)];
                encoder.Convert(piece, buffer, flush: piece.Length == chars.Length, out var used, out var written, out _);
                var bytes = buffer.AsSpan(0, written);
                if (hashed < BinaryProbe && bytes[..Math.Min(bytes.Length, BinaryProbe - hashed)].Contains((byte)0)) return false;
                hash.AppendData(bytes);
                hashed += written;
                chars = chars[used..];
            }
            while (!chars.IsEmpty);

            Span<byte> digest = stackalloc byte[32];
            var size = hash.GetHashAndReset(digest);
            return Convert.ToHexStringLower(digest[..size]).Equals(blobId, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The position after `count` more lines from `at` (a last line without a newline counts), or -1 when the text has fewer.
    private static int Skip(string text, int at, int count)
    {
        var span = text.AsSpan();
        while (count > 0)
        {
            if (at >= span.Length) return -1;
            // A block with fewer newlines than are left to pass is passed at once (a vectorized count), the rest line by line.
            var block = span.Slice(at, Math.Min(4096, span.Length - at));
            var newlines = block.Count('\n');
            if (newlines < count && at + block.Length < span.Length)
            {
                count -= newlines;
                at += block.Length;
                continue;
            }

            for (; count > 0; count--)
            {
                if (at >= span.Length) return -1;
                var newline = span[at..].IndexOf('\n');
                at = newline < 0 ? span.Length : at + newline + 1;
            }
        }

        return at;
    }
}
