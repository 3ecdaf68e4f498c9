using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Streams;

namespace PipeWatch.Sources.Artifacts;

/// <summary>
/// Reads a folder of build artifacts (<c>ingest --artifacts DIR</c>): hashes every file, streamed, and the members of the archives
/// among them (<c>.zip</c>, <c>.whl</c>, <c>.nupkg</c>, <c>.jar</c>, <c>.tar</c>, <c>.tar.gz</c>, <c>.tgz</c>, nested too), one
/// file event (<see cref="ArtifactFields"/>) per file and member, for the hash detectors.
/// </summary>
/// <remarks>
/// Against zip bombs: archives are opened <see cref="ArtifactLimits.MaxDepth"/> deep, a member is read to at most
/// <see cref="ArtifactLimits.MaxMemberBytes"/> and an archive to <see cref="ArtifactLimits.MaxArchiveBytes"/> of content
/// (counted as read, not as declared), and a member that inflates more than <see cref="ArtifactLimits.MaxRatio"/> times is
/// refused; each refusal is a problem naming the archive and the member, and the rest is read. Links are not followed.
/// </remarks>
public sealed class ArtifactSource : ISource
{
    private static readonly string[] ZipExtensions = [".zip", ".whl", ".nupkg", ".jar", ".war", ".aar", ".vsix"];
    private static readonly string[] TarGzExtensions = [".tar.gz", ".tgz"];

    private readonly string _root;
    private readonly ArtifactHashes _hashes;
    private readonly ArtifactLimits _limits;
    private readonly CiContext _ci;
    private readonly string _fullRoot;

    /// <param name="root">The artifact folder (or one file).</param>
    /// <param name="hashes">The hashes to compute: SHA-1 and MD5 cost time and are only worth it when a feed lists them.</param>
    /// <param name="limits">The zip-bomb limits; defaults when null.</param>
    /// <param name="ci">The run that made the artifacts (from the CI platform's variables), so that each pipeline learns its own; none when null.</param>
    public ArtifactSource(string root, ArtifactHashes hashes = ArtifactHashes.All, ArtifactLimits? limits = null, CiContext? ci = null)
    {
        _root = root;
        _hashes = hashes | ArtifactHashes.Sha256;
        _limits = limits ?? new ArtifactLimits();
        _ci = ci ?? CiContext.ForRepository(null);
        _fullRoot = Path.GetFullPath(root);
    }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = File.Exists(_root) ? [_root] : Files(_root, context.Problems);
        foreach (var path in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var events = new List<Event>();
            try
            {
                var info = new FileInfo(path);
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                {
                    events.Add(Artifact(path, null, Hash(stream, long.MaxValue, out var size), size, info.LastWriteTimeUtc));
                }

                context.BytesRead?.Invoke(info.Length);
                if (ArchiveKind(path) is { } kind)
                {
                    using var stream = File.OpenRead(path);
                    var budget = new Budget(_limits.MaxArchiveBytes);
                    Members(stream, kind, path, prefix: null, depth: 1, info.LastWriteTimeUtc, budget, events, context.Problems, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Problems.Report(new Problem(path, $"cannot read: {ex.Message}"));
            }

            foreach (var e in events) yield return e;
            await Task.Yield();
        }
    }

    private static List<string> Files(string root, IProblemReporter problems)
    {
        var files = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            try
            {
                foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderByDescending(e => e.Name, StringComparer.Ordinal))
                {
                    if (entry.LinkTarget is not null) continue;
                    if (entry is DirectoryInfo) pending.Push(entry.FullName);
                    else if (entry is FileInfo file && (file.Attributes & FileAttributes.Device) == 0) files.Add(file.FullName);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Report(new Problem(folder, $"cannot read the folder: {ex.Message}"));
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private void Members(
        Stream archive, string kind, string path, string? prefix, int depth, DateTime time, Budget budget, List<Event> events, IProblemReporter problems, CancellationToken ct)
    {
        if (depth > _limits.MaxDepth)
        {
            problems.Report(new Problem(path, $"{prefix}: archive nested deeper than {_limits.MaxDepth}; its members are not read"));
            return;
        }

        try
        {
            if (kind == "zip")
            {
                using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
                var count = 0;
                foreach (var entry in zip.Entries)
                {
                    ct.ThrowIfCancellationRequested();
                    if (entry.FullName.EndsWith('/')) continue;
                    if (++count > _limits.MaxMembers)
                    {
                        problems.Report(new Problem(path, $"more than {_limits.MaxMembers} members{(prefix is null ? "" : $" in {prefix}")}; the rest are not read"));
                        return;
                    }

                    var name = prefix is null ? entry.FullName : $"{prefix}!/{entry.FullName}";
                    if (entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > _limits.MaxRatio && entry.Length > 1 << 20)
                    {
                        problems.Report(new Problem(path, $"{name}: refused, inflates {entry.Length / entry.CompressedLength}× ({entry.Length:N0} bytes declared): a zip bomb?"));
                        continue;
                    }

                    using var stream = entry.Open();
                    Member(stream, name, entry.LastWriteTime.UtcDateTime, path, depth, budget, events, problems, ct);
                    if (budget.Spent) return;
                }
            }
            else
            {
                using var inner = kind == "tgz" ? new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true) : archive;
                using var tar = new TarReader(inner, leaveOpen: true);
                var count = 0;
                while (tar.GetNextEntry() is { } entry)
                {
                    ct.ThrowIfCancellationRequested();
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                    if (++count > _limits.MaxMembers)
                    {
                        problems.Report(new Problem(path, $"more than {_limits.MaxMembers} members{(prefix is null ? "" : $" in {prefix}")}; the rest are not read"));
                        return;
                    }

                    var name = prefix is null ? entry.Name : $"{prefix}!/{entry.Name}";
                    Member(entry.DataStream, name, entry.ModificationTime.UtcDateTime, path, depth, budget, events, problems, ct);
                    if (budget.Spent) return;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or NotSupportedException)
        {
            problems.Report(new Problem(path, $"{(prefix is null ? "" : prefix + ": ")}not a readable {kind} archive ({ex.Message.TrimEnd('.')}); its members are not read"));
        }
    }

    private void Member(Stream stream, string name, DateTime time, string path, int depth, Budget budget, List<Event> events, IProblemReporter problems, CancellationToken ct)
    {
        var limit = Math.Min(_limits.MaxMemberBytes, budget.Left);
        var nested = ArchiveKind(name);
        // A nested archive is kept in memory to be opened in turn (bounded by the same limit); other members are only hashed.
        using var copy = nested is null ? null : new MemoryStream();
        var hashes = Hash(nested is null ? stream : new TeeStream(stream, copy!), limit, out var size);
        budget.Take(size);
        if (size >= limit)
        {
            problems.Report(new Problem(path, budget.Spent
                ? $"{name}: refused, the archive's content passes {_limits.MaxArchiveBytes:N0} bytes (a zip bomb?); the rest is not read"
                : $"{name}: refused, larger than {_limits.MaxMemberBytes:N0} bytes once unpacked (a zip bomb?)"));
            return;
        }

        events.Add(Artifact(path, name, hashes, size, time));
        if (nested is not null)
        {
            copy!.Position = 0;
            Members(copy, nested, path, name, depth + 1, time, budget, events, problems, ct);
        }
    }

    /// <summary>The hashes of the stream's content, reading at most <paramref name="limit"/> bytes (then <paramref name="size"/> equals the limit).</summary>
    private (string Sha256, string? Sha1, string? Md5) Hash(Stream stream, long limit, out long size)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sha1 = (_hashes & ArtifactHashes.Sha1) != 0 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA1) : null;
        using var md5 = (_hashes & ArtifactHashes.Md5) != 0 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            size = 0;
            int read;
            while (size < limit && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - size))) > 0)
            {
                var span = buffer.AsSpan(0, read);
                sha256.AppendData(span);
                sha1?.AppendData(span);
                md5?.AppendData(span);
                size += read;
            }

            return (Convert.ToHexStringLower(sha256.GetHashAndReset()), sha1 is null ? null : Convert.ToHexStringLower(sha1.GetHashAndReset()),
                md5 is null ? null : Convert.ToHexStringLower(md5.GetHashAndReset()));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string? ArchiveKind(string name)
    {
        var lower = name.ToLowerInvariant();
        if (ZipExtensions.Any(lower.EndsWith)) return "zip";
        if (TarGzExtensions.Any(lower.EndsWith)) return "tgz";
        return lower.EndsWith(".tar", StringComparison.Ordinal) ? "tar" : null;
    }

    private Event Artifact(string path, string? member, (string Sha256, string? Sha1, string? Md5) hashes, long size, DateTime time)
    {
        // Given a file, its name; given a folder, the path under it.
        var full = Path.GetFullPath(path);
        var relative = full == _fullRoot ? Path.GetFileName(full) : Path.GetRelativePath(_fullRoot, full).Replace('\\', '/');
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["event.category"] = "file",
            ["file.path"] = path,
            ["file.name"] = Path.GetFileName(member ?? path),
            ["file.size"] = size.ToString(CultureInfo.InvariantCulture),
            ["file.hash.sha256"] = hashes.Sha256,
        };
        if (hashes.Sha1 is { } sha1) fields["file.hash.sha1"] = sha1;
        if (hashes.Md5 is { } md5) fields["file.hash.md5"] = md5;
        fields[ArtifactFields.RelativePath] = relative;
        if (member is not null) fields[ArtifactFields.Member] = member;
        return new Event
        {
            Kind = EventKind.Telemetry,
            Id = $"artifact:{hashes.Sha256}:{path}{(member is null ? "" : "!/" + member)}",
            Timestamp = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            Dataset = ArtifactFields.Dataset,
            Action = "artifact-hashed",
            Completed = true,
            Ci = _ci,
            Fields = fields,
            Origin = new Origin(path),
        };
    }

    /// <summary>What an archive may still unpack, counted as read.</summary>
    private sealed class Budget(long total)
    {
        private long _left = total;

        public long Left => _left;

        public bool Spent => _left <= 0;

        public void Take(long bytes) => _left -= bytes;
    }

    /// <summary>Reads through a stream, copying what it reads into another.</summary>
    private sealed class TeeStream(Stream source, Stream copy) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            var read = source.Read(buffer);
            copy.Write(buffer[..read]);
            return read;
        }
    }
}

/// <summary>The hashes an <see cref="ArtifactSource"/> computes; SHA-256 always.</summary>
[Flags]
public enum ArtifactHashes
{
    Sha256 = 1,
    Sha1 = 2,
    Md5 = 4,
    All = Sha256 | Sha1 | Md5,
}

/// <summary>The limits an <see cref="ArtifactSource"/> opens archives within.</summary>
public sealed record ArtifactLimits
{
    /// <summary>How deep archives inside archives are opened.</summary>
    public int MaxDepth { get; init; } = 3;

    /// <summary>The most content one member may unpack to.</summary>
    public long MaxMemberBytes { get; init; } = 256L << 20;

    /// <summary>The most content one archive (with its nested ones) may unpack to.</summary>
    public long MaxArchiveBytes { get; init; } = 2L << 30;

    /// <summary>The most members read from one archive.</summary>
    public int MaxMembers { get; init; } = 100_000;

    /// <summary>The largest inflation ratio a member over 1 MiB may declare.</summary>
    public long MaxRatio { get; init; } = 200;
}
