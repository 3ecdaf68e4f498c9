using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PipeWatch.Dependencies.Images;

/// <summary>Reads the packages of an RPM database: the SQLite one (<c>rpmdb.sqlite</c>, RHEL 9, Fedora 33+) and the Berkeley DB hash file (<c>Packages</c>, RHEL 7/8); the NDB one (<c>Packages.db</c>, SUSE) is not read.</summary>
/// <remarks>
/// Both hold one header blob per package (rpm's header format: index entries of tag, type, offset and count over a data
/// store, big-endian). The SQLite file is opened from memory (<c>sqlite3_deserialize</c>, read-only), never written to disk.
/// </remarks>
internal static class RpmDatabase
{
    private const int TagName = 1000;
    private const int TagVersion = 1001;
    private const int TagRelease = 1002;
    private const int TagEpoch = 1003;
    private const int TypeInt32 = 4;
    private const int TypeString = 6;
    private const int TypeI18nString = 9;
    private const int MaxIndexEntries = 0xFFFF;

    /// <summary>The packages of an <c>rpmdb.sqlite</c> file's <c>Packages</c> table.</summary>
    public static IReadOnlyList<InstalledPackage> Sqlite(byte[] database, ICollection<string> problems)
    {
        var blobs = new List<byte[]>();
        using (var connection = new SqliteConnection("Data Source=:memory:"))
        {
            connection.Open();
            var memory = raw.sqlite3_malloc64(database.Length);
            if (memory == IntPtr.Zero) throw new OutOfMemoryException("sqlite3_malloc64");
            System.Runtime.InteropServices.Marshal.Copy(database, 0, memory, database.Length);
            var rc = raw.sqlite3_deserialize(connection.Handle, "main", memory, database.Length, database.Length, raw.SQLITE_DESERIALIZE_FREEONCLOSE | raw.SQLITE_DESERIALIZE_READONLY);
            if (rc != raw.SQLITE_OK)
            {
                problems.Add($"not an SQLite database (sqlite error {rc})");
                return [];
            }

            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT blob FROM Packages ORDER BY hnum";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    if (!reader.IsDBNull(0)) blobs.Add((byte[])reader.GetValue(0));
                }
            }
            catch (SqliteException ex)
            {
                problems.Add($"not an rpm database: {ex.Message.TrimEnd('.')}");
                return [];
            }
        }

        return Headers(blobs, problems);
    }

    /// <summary>The packages of a Berkeley DB hash file (<c>Packages</c>): every data item of its hash pages is a header blob.</summary>
    public static IReadOnlyList<InstalledPackage> BerkeleyDb(byte[] database, ICollection<string> problems)
    {
        if (BerkeleyDbHash.Values(database, out var reason) is not { } blobs)
        {
            problems.Add(reason!);
            return [];
        }

        // Key 0 holds rpm's next instance number (4 bytes), not a package.
        return Headers(blobs.Where(b => b.Length != 4), problems);
    }

    private static List<InstalledPackage> Headers(IEnumerable<byte[]> blobs, ICollection<string> problems)
    {
        var found = new List<InstalledPackage>();
        var number = 0;
        foreach (var blob in blobs)
        {
            number++;
            if (Header(blob, out var reason) is { } package)
            {
                // The public keys rpm imported show as pseudo-packages.
                if (package.Name != "gpg-pubkey") found.Add(package);
            }
            else
            {
                problems.Add($"header {number}: {reason}");
            }
        }

        return found;
    }

    /// <summary>Name, <c>[epoch:]version-release</c> from one header blob; null with a reason when it is not a valid header.</summary>
    public static InstalledPackage? Header(ReadOnlySpan<byte> blob, out string? reason)
    {
        reason = null;
        if (blob.Length < 8)
        {
            reason = "shorter than a header";
            return null;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(blob);
        var length = BinaryPrimitives.ReadInt32BigEndian(blob[4..]);
        if (count is <= 0 or > MaxIndexEntries || length < 0 || 8L + (16L * count) + length > blob.Length)
        {
            reason = $"index of {count} entries over {length} bytes does not fit the blob's {blob.Length} bytes";
            return null;
        }

        var data = blob.Slice(8 + (16 * count), length);
        string? name = null, version = null, release = null;
        int? epoch = null;
        for (var i = 0; i < count; i++)
        {
            var entry = blob.Slice(8 + (16 * i), 16);
            var tag = BinaryPrimitives.ReadInt32BigEndian(entry);
            var type = BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
            var offset = BinaryPrimitives.ReadInt32BigEndian(entry[8..]);
            if (tag is not (TagName or TagVersion or TagRelease or TagEpoch) || offset < 0 || offset >= data.Length) continue;
            if (tag == TagEpoch)
            {
                if (type == TypeInt32 && offset + 4 <= data.Length) epoch = BinaryPrimitives.ReadInt32BigEndian(data[offset..]);
                continue;
            }

            if (type is not (TypeString or TypeI18nString)) continue;
            var text = data[offset..];
            var end = text.IndexOf((byte)0);
            if (end < 0) continue;
            var value = Encoding.UTF8.GetString(text[..end]);
            switch (tag)
            {
                case TagName: name = value; break;
                case TagVersion: version = value; break;
                default: release = value; break;
            }
        }

        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
        {
            reason = $"no {(string.IsNullOrEmpty(name) ? "NAME" : "VERSION")} tag";
            return null;
        }

        var evr = (epoch is > 0 ? epoch.Value.ToString(CultureInfo.InvariantCulture) + ":" : "") + version + (string.IsNullOrEmpty(release) ? "" : "-" + release);
        return new InstalledPackage(name, evr);
    }
}
