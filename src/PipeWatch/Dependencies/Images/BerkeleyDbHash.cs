using System.Buffers.Binary;

namespace PipeWatch.Dependencies.Images;

/// <summary>The values of a Berkeley DB hash database file (what rpm's <c>Packages</c> is), read page by page without the library.</summary>
/// <remarks>
/// Layout (Berkeley DB 4–5, host byte order, told by the magic): page 0 is the hash metadata page (magic 0x061561, page
/// size); every hash page (type 13, or 2 unsorted) holds key/data item pairs through an offset table after a 26-byte page
/// header; a data item is either inline (type 1: the bytes follow) or off-page (type 3: the first overflow page and the total
/// length), continued along overflow pages (type 7) whose header says how many bytes each carries.
/// </remarks>
internal static class BerkeleyDbHash
{
    private const uint HashMagic = 0x061561;
    private const int PageHeader = 26;
    private const byte PageHash = 13;
    private const byte PageHashUnsorted = 2;
    private const byte PageOverflow = 7;
    private const byte ItemKeyData = 1;
    private const byte ItemOffPage = 3;

    /// <summary>Every data item, in page order; null with a reason when the file is not a Berkeley DB hash database.</summary>
    public static IReadOnlyList<byte[]>? Values(byte[] file, out string? reason)
    {
        reason = null;
        if (file.Length < 512)
        {
            reason = "not a Berkeley DB file (too short)";
            return null;
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        var little = magic == HashMagic;
        if (!little && BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(12)) != HashMagic)
        {
            reason = magic == 0x053162
                ? "a Berkeley DB B-tree database, not the hash database rpm writes"
                : "not a Berkeley DB hash database (bad magic)";
            return null;
        }

        var pageSize = (int)U32(file, 20, little);
        if (pageSize is < 512 or > 65536 || (pageSize & (pageSize - 1)) != 0)
        {
            reason = $"Berkeley DB page size {pageSize} is not a power of two between 512 and 65536";
            return null;
        }

        var pages = file.Length / pageSize;
        var values = new List<byte[]>();
        for (var p = 1; p < pages; p++)
        {
            var page = file.AsSpan(p * pageSize, pageSize);
            if (page[25] is not (PageHash or PageHashUnsorted)) continue;
            int entries = U16(page, 20, little);
            if (PageHeader + (2 * entries) > pageSize) continue;

            // Items alternate key, data: the data items (odd positions) are the values.
            for (var i = 1; i < entries; i += 2)
            {
                int offset = U16(page, PageHeader + (2 * i), little);
                if (offset <= 0 || offset >= pageSize) continue;
                switch (page[offset])
                {
                    case ItemOffPage when offset + 12 <= pageSize:
                        if (Overflow(file, pageSize, U32(page, offset + 4, little), U32(page, offset + 8, little), little) is { } value) values.Add(value);
                        break;
                    case ItemKeyData:
                        // An inline item runs to the start of the item before it in the table (or the page's end).
                        int end = U16(page, PageHeader + (2 * (i - 1)), little);
                        if (end > offset + 1 && end <= pageSize) values.Add(page[(offset + 1)..end].ToArray());
                        break;
                }
            }
        }

        return values;
    }

    private static byte[]? Overflow(byte[] file, int pageSize, uint first, uint total, bool little)
    {
        if (total == 0 || total > file.Length) return null;
        var value = new byte[total];
        var written = 0;
        var next = first;
        var hops = 0;
        while (next != 0 && written < total && hops++ < file.Length / pageSize)
        {
            if ((long)next * pageSize + pageSize > file.Length) return null;
            var page = file.AsSpan((int)next * pageSize, pageSize);
            if (page[25] != PageOverflow) return null;
            int used = U16(page, 22, little);
            var take = Math.Min(Math.Min(used, pageSize - PageHeader), (int)total - written);
            page.Slice(PageHeader, take).CopyTo(value.AsSpan(written));
            written += take;
            next = U32(page, 16, little);
        }

        return written == total ? value : null;
    }

    private static uint U32(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);

    private static ushort U16(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);
}
