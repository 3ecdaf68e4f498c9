using System.Formats.Tar;
using System.IO.Compression;
using PipeWatch.Streams;

namespace PipeWatch.Dependencies.Images;

/// <summary>The kinds of file in an image that say what is installed.</summary>
internal enum PackageFileKind
{
    OsRelease,
    Dpkg,
    Apk,
    RpmSqlite,
    RpmBerkeleyDb,
    RpmNdb,
    Npm,
    Python,
    DotNet,
}

/// <summary>A package file as one layer holds it: its content, or the target when it is a symbolic link.</summary>
internal sealed record LayerFile(PackageFileKind Kind, byte[]? Content, string? LinkTarget = null);

/// <summary>What one layer changes, as far as packages go: the package files it writes, and the paths its whiteouts delete.</summary>
internal sealed class LayerChanges
{
    public Dictionary<string, LayerFile> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths deleted by a <c>.wh.NAME</c> entry (the path and everything under it).</summary>
    public List<string> Whiteouts { get; } = [];

    /// <summary>Folders made opaque by a <c>.wh..wh..opq</c> entry: what lower layers had under them is hidden ("" is the root).</summary>
    public List<string> OpaqueFolders { get; } = [];

    /// <summary>Reasons the layer was not read completely (or entries were refused).</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Tar entries read.</summary>
    public long Entries { get; set; }
}

/// <summary>Reads one layer (a tar, plain or gzip) as a stream, keeping only the package files and the whiteouts: nothing is written to disk.</summary>
internal static class LayerScanner
{
    private const string Whiteout = ".wh.";
    private const string Opaque = ".wh..wh..opq";

    /// <summary>Which package file a path (relative, forward slashes) is, if any.</summary>
    public static PackageFileKind? Classify(string path)
    {
        switch (path)
        {
            case "etc/os-release" or "usr/lib/os-release": return PackageFileKind.OsRelease;
            case "var/lib/dpkg/status": return PackageFileKind.Dpkg;
            case "lib/apk/db/installed": return PackageFileKind.Apk;
            case "var/lib/rpm/rpmdb.sqlite" or "usr/lib/sysimage/rpm/rpmdb.sqlite": return PackageFileKind.RpmSqlite;
            case "var/lib/rpm/Packages" or "usr/lib/sysimage/rpm/Packages": return PackageFileKind.RpmBerkeleyDb;
            case "var/lib/rpm/Packages.db" or "usr/lib/sysimage/rpm/Packages.db": return PackageFileKind.RpmNdb;
        }

        if (path.StartsWith("var/lib/dpkg/status.d/", StringComparison.Ordinal))
        {
            var name = path.AsSpan("var/lib/dpkg/status.d/".Length);
            return name.Length > 0 && !name.Contains('/') && !name.EndsWith(".md5sums", StringComparison.Ordinal) ? PackageFileKind.Dpkg : null;
        }

        if (LanguagePackages.IsNpmPackage(path)) return PackageFileKind.Npm;
        if (LanguagePackages.IsPythonMetadata(path)) return PackageFileKind.Python;
        return LanguagePackages.IsDepsJson(path) ? PackageFileKind.DotNet : null;
    }

    /// <summary>The changes of the layer in <paramref name="layer"/> (read to its end or to a limit); never throws for bad content.</summary>
    /// <param name="budget">Bytes of package files the whole image may still keep; shared by the layers read in parallel.</param>
    public static LayerChanges Scan(Stream layer, ImageLimits limits, KeptBytes budget, CancellationToken ct)
    {
        var changes = new LayerChanges();
        var refused = 0;
        var tooDeep = 0;
        try
        {
            var peek = new PeekStream(layer, 512);
            using var content = Open(peek, changes);
            if (content is null) return changes;
            using var reader = new TarReader(content, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                if (++changes.Entries > limits.MaxLayerEntries)
                {
                    changes.Problems.Add($"more than {limits.MaxLayerEntries:N0} entries; the rest of the layer is not read");
                    break;
                }

                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                switch (EntryPath.Normalize(entry.Name, limits, out var path))
                {
                    case EntryPath.Refused:
                        refused++;
                        continue;
                    case EntryPath.TooDeep:
                        tooDeep++;
                        continue;
                }

                var slash = path.LastIndexOf('/');
                var name = slash < 0 ? path : path[(slash + 1)..];
                if (name.StartsWith(Whiteout, StringComparison.Ordinal))
                {
                    var folder = slash < 0 ? "" : path[..slash];
                    if (name == Opaque) changes.OpaqueFolders.Add(folder);
                    else if (!name.StartsWith(Whiteout + Whiteout, StringComparison.Ordinal)) changes.Whiteouts.Add((folder.Length == 0 ? "" : folder + "/") + name[Whiteout.Length..]);
                    continue;
                }

                if (Classify(path) is not { } kind) continue;
                Keep(entry, path, kind, changes, limits, budget);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or IOException or ArgumentException or InvalidOperationException or ZstdSharp.ZstdException)
        {
            changes.Problems.Add($"not a readable tar after {changes.Entries:N0} entries ({ex.Message.TrimEnd('.')}); the rest of the layer is not read");
        }

        if (refused > 0) changes.Problems.Add($"{refused:N0} entr{(refused == 1 ? "y" : "ies")} with an absolute path or '..' refused");
        if (tooDeep > 0) changes.Problems.Add($"{tooDeep:N0} entr{(tooDeep == 1 ? "y" : "ies")} deeper than {limits.MaxPathDepth} folders or longer than {limits.MaxPathLength} characters skipped");
        return changes;
    }

    /// <summary>The tar inside: gzip and zstd (<c>tar+zstd</c> layers) are decompressed by their magic, a plain tar read as it is; anything else is reported.</summary>
    private static Stream? Open(PeekStream peek, LayerChanges changes)
    {
        var head = peek.Head;
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) return new BufferedStream(new GZipStream(peek, CompressionMode.Decompress), 1 << 16);
        // A zstd frame's magic (RFC 8878); the decoder's window is capped, so a crafted frame cannot ask for gigabytes.
        if (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) return new BufferedStream(Zstd(peek), 1 << 16);
        if (head.Length == 0 || IsTar(head)) return peek;
        changes.Problems.Add("neither a tar nor a gzip- or zstd-compressed tar");
        return null;
    }

    private static ZstdSharp.DecompressionStream Zstd(Stream compressed)
    {
        var stream = new ZstdSharp.DecompressionStream(compressed, leaveOpen: false);
        // 2^27 bytes (128 MiB): zstd's own default limit for a window, what `zstd` writes without --long.
        stream.SetParameter(ZstdSharp.Unsafe.ZSTD_dParameter.ZSTD_d_windowLogMax, 27);
        return stream;
    }

    /// <summary>A tar's first block: the ustar magic, or all zeros (an empty archive).</summary>
    public static bool IsTar(ReadOnlySpan<byte> head) =>
        head.Length >= 262 ? head.Slice(257, 5).SequenceEqual("ustar"u8) || !head.ContainsAnyExcept((byte)0) : false;

    private static void Keep(TarEntry entry, string path, PackageFileKind kind, LayerChanges changes, ImageLimits limits, KeptBytes budget)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.SymbolicLink:
                changes.Files[path] = new LayerFile(kind, null, entry.LinkName);
                return;
            case TarEntryType.HardLink:
                // A hard link names an earlier entry of the same layer: the same content.
                if (EntryPath.Normalize(entry.LinkName, limits, out var target) == EntryPath.Ok && changes.Files.TryGetValue(target, out var linked) && linked.Content is not null)
                {
                    changes.Files[path] = linked with { Kind = kind };
                }

                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                break;
            default:
                return;
        }

        var max = kind is PackageFileKind.RpmSqlite or PackageFileKind.RpmBerkeleyDb or PackageFileKind.RpmNdb ? limits.MaxDatabaseBytes : limits.MaxFileBytes;
        if (entry.Length > max)
        {
            changes.Problems.Add($"{path}: {entry.Length:N0} bytes, more than the {max:N0} read; not read");
            return;
        }

        if (!budget.TryTake(entry.Length))
        {
            changes.Problems.Add($"{path}: the image's package files pass {limits.MaxKeptBytes:N0} bytes; not read");
            return;
        }

        var bytes = new byte[entry.Length];
        if (entry.DataStream is { } data) data.ReadExactly(bytes);
        changes.Files[path] = new LayerFile(kind, bytes);
    }
}

/// <summary>Bytes of package files an image may still keep in memory, taken by layers read in parallel.</summary>
internal sealed class KeptBytes(long limit)
{
    private long _left = limit;

    public bool TryTake(long bytes) => Interlocked.Add(ref _left, -bytes) >= 0;
}

/// <summary>A layer entry's name made a relative path: leading <c>./</c> and <c>/</c> dropped, <c>.</c> components removed; <c>..</c> refused.</summary>
internal static class EntryPath
{
    public const int Ok = 0;
    public const int Refused = 1;
    public const int TooDeep = 2;

    public static int Normalize(string name, ImageLimits limits, out string path)
    {
        path = "";
        if (name.Length > limits.MaxPathLength) return TooDeep;
        var simple = !name.StartsWith('/') && !name.StartsWith("./", StringComparison.Ordinal) && !name.Contains("//", StringComparison.Ordinal)
            && !name.Contains("/./", StringComparison.Ordinal) && !name.Contains("..", StringComparison.Ordinal) && !name.EndsWith("/.", StringComparison.Ordinal);
        if (simple)
        {
            path = name.TrimEnd('/');
            return path.AsSpan().Count('/') + 1 > limits.MaxPathDepth ? TooDeep : Ok;
        }

        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") return Refused;
            parts.Add(part);
        }

        // An absolute name is read as relative to the layer's root (as tar -x does); a '..' anywhere is refused.
        if (parts.Count > limits.MaxPathDepth) return TooDeep;
        path = string.Join('/', parts);
        return Ok;
    }
}

/// <summary>A read-only stream whose first bytes can be looked at before it is read from the start.</summary>
internal sealed class PeekStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly byte[] _head;
    private int _served;

    public PeekStream(Stream inner, int size)
    {
        _inner = inner;
        var buffer = new byte[size];
        var read = inner.ReadAtLeast(buffer, size, throwOnEndOfStream: false);
        _head = read == size ? buffer : buffer[..read];
    }

    public ReadOnlySpan<byte> Head => _head;

    public override int Read(Span<byte> buffer)
    {
        if (_served < _head.Length)
        {
            var n = Math.Min(buffer.Length, _head.Length - _served);
            _head.AsSpan(_served, n).CopyTo(buffer);
            _served += n;
            return n;
        }

        return _inner.Read(buffer);
    }
}
