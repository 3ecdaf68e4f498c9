using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>
/// Rebuilds a file's new version from its old version and the change's <c>-U0</c> hunks and added lines, so that a history scan
/// need not ask <c>git cat-file</c> for a version the log already described.
/// </summary>
/// <remarks>
/// Pure and thread-safe. git's <c>-U0</c> diff is exact: when the old text is the old blob (read from git, or itself rebuilt
/// and checked), every hunk's removed lines are the old text's lines at that place (<see cref="DiffHunks.RemovedLines"/>,
/// checked at the cost of the change) and the added lines and numbers fit the hunks, the result is the new blob. It is also
/// what <see cref="CatFileBlobReader"/> would read: decoding UTF-8 never joins bytes across a newline, so a line that is not
/// valid UTF-8 reads alike kept from the old text, added from the diff, or read whole; and a text with a NUL in its first
/// 8,000 bytes gives null, as git's reader does. Hunks without a removed-lines digest (made by hand) are checked as before,
/// by hashing the whole result against the new blob id (<see cref="HasId"/>). Anything that does not fit gives null, and
/// the caller reads the blob.
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
        if (change.NewBlob is not { } id || change.Hunks is not { } hunks) return null;
        if (hunks.RemovedLines is not { } removed) return Apply(oldText, change) is { } text && HasId(text, id) ? text : null;
        using var digest = new RemovedLinesDigest();
        if (Build(oldText, change, digest) is not { } made || digest.Value != removed) return null;
        return BinaryToGit(made) ? null : made;
    }

    /// <summary>The hunks applied to <paramref name="oldText"/>, unchecked; null when they do not fit it.</summary>
    internal static string? Apply(string oldText, GitFileChange change) => Build(oldText, change, removed: null);

    // The hunks applied, each old line they remove folded into `removed` when given; null when they do not fit.
    private static string? Build(string oldText, GitFileChange change, RemovedLinesDigest? removed)
    {
        if (change.Hunks is not { } hunks || change.Binary || change.Kind is FileChangeKind.Deleted or FileChangeKind.TypeChanged) return null;
        // As one text (what the parser gives): each line read as a span of it, not made into a string.
        var added = AddedText.Of(change.Added);
        if (added.Count != change.LinesAdded) return null;
        if (hunks.Count == 0) return change.LinesDeleted == 0 ? oldText : null;

        // First where each old piece kept ends up (old text before each hunk, then the tail), then one string made at once.
        var kept = new int[(hunks.Count + 1) * 2];
        int line = 0, at = 0, next = 0, length = 0, shift = 0, deleted = 0;
        for (var h = 0; h < hunks.Count; h++)
        {
            var (oldStart, oldCount, newStart, newCount) = hunks[h];
            // "-a,0" inserts after line a; "-a,b" replaces lines a … a+b-1.
            var keep = oldCount == 0 ? oldStart : oldStart - 1;
            if (keep < line || next + newCount > added.Count) return null;
            // The new side must sit where the old side puts it (lines before it moved by the hunks before): "+c,0" names the
            // line before, "+c,d" the first added line.
            if (newStart != keep + shift + (newCount > 0 ? 1 : 0)) return null;
            var end = Skip(oldText, at, keep - line);
            if (end < 0) return null;
            // Lines added after a last line without a newline would join it: git removes and adds that line instead.
            if (newCount > 0 && end > 0 && oldText[end - 1] != '\n') return null;
            (kept[h * 2], kept[(h * 2) + 1]) = (at, end);
            length += end - at;
            at = Skip(oldText, end, oldCount);
            if (at < 0) return null;
            removed?.AddLines(oldText.AsSpan(end, at - end));
            line = keep + oldCount;
            shift += newCount - oldCount;
            deleted += oldCount;
            for (var i = 0; i < newCount; i++, next++)
            {
                if (added.Number(next) != newStart + i) return null;
                length += added.Length(next) + 1;
            }
        }

        if (next != added.Count || deleted != change.LinesDeleted) return null;
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

    // As CatFileBlobReader reads a blob: a NUL in its first 8,000 bytes makes it binary (no text). Characters are at most as many
    // as their bytes, so a NUL past the first 8,000 characters is past the first 8,000 bytes too.
    private static bool BinaryToGit(string text)
    {
        var probe = text.AsSpan(0, Math.Min(text.Length, BinaryProbe));
        var nul = probe.IndexOf('\0');
        return nul >= 0 && Utf8.GetByteCount(probe[..nul]) < BinaryProbe;
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
