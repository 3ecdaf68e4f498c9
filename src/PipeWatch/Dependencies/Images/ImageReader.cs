using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Images;

/// <summary>How to read an image: the bounds, and the base image's layers when known.</summary>
/// <param name="BaseDiffIds">The base image's <c>rootfs.diff_ids</c>, bottom first: the image's layers that repeat them are the base's, the others the build's; null when unknown.</param>
internal sealed record ImageReadOptions(ImageLimits? Limits = null, IReadOnlyList<string>? BaseDiffIds = null, int Parallelism = 0);

/// <summary>
/// Reads the images in a <c>docker save</c> archive or an OCI image layout (a folder, or a tar of one, plain or gzip):
/// manifests, configs, and the layers applied in order with their whiteouts, streamed and never extracted.
/// </summary>
/// <remarks>
/// A folder's layers are read in parallel; an archive's in one pass over it (the archive may be gzip-compressed, so no
/// seeking), keeping only the JSON documents and each layer's package files. Bad input is a <see cref="Problem"/> naming
/// the image file and what is wrong; what could be read is kept.
/// </remarks>
internal static partial class ImageReader
{
    private const int MaxIndexDepth = 4;

    /// <summary>The images at <paramref name="path"/>, each with its packages; problems go to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<ImageContents> Read(string path, IProblemReporter problems, ImageReadOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ImageReadOptions();
        var limits = options.Limits ?? ImageLimits.Default;
        var budget = new KeptBytes(limits.MaxKeptBytes);
        Blobs blobs;
        try
        {
            blobs = Directory.Exists(path) ? new FolderBlobs(path, limits, budget, ct) : ArchiveBlobs.Read(path, limits, budget, problems, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            problems.Report(new Problem(path, $"cannot read the image: {ex.Message.TrimEnd('.')}"));
            return [];
        }

        var images = Images(blobs, path, problems, limits);
        var read = new List<ImageContents>(images.Count);
        foreach (var image in images)
        {
            ct.ThrowIfCancellationRequested();
            read.Add(ReadImage(image, blobs, path, problems, options, limits, ct));
        }

        return read;
    }

    private static ImageContents ReadImage(ImageEntry image, Blobs blobs, string path, IProblemReporter problems, ImageReadOptions options, ImageLimits limits, CancellationToken ct)
    {
        var config = blobs.Json(image.Config);
        var diffIds = config is { } c ? DiffIds(c) : [];
        if (config is null) problems.Report(new Problem(path, $"{image.Reference}: config {image.Config} is missing or not JSON"));
        var layers = new List<ImageLayer>(image.Layers.Count);
        for (var i = 0; i < image.Layers.Count; i++)
        {
            var diffId = diffIds.Count == image.Layers.Count ? diffIds[i] : null;
            layers.Add(new ImageLayer(i, image.LayerDigests[i] ?? diffId ?? image.Layers[i], diffId, FromBase(diffIds, i, options.BaseDiffIds)));
        }

        // The layers are read in parallel (a folder's), then applied bottom first.
        var changes = new LayerChanges?[image.Layers.Count];
        Parallel.For(
            0,
            image.Layers.Count,
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount, CancellationToken = ct },
            i => changes[i] = blobs.Layer(image.Layers[i]));
        var files = new ImageFileSystem();
        for (var i = 0; i < changes.Length; i++)
        {
            if (changes[i] is not { } layer)
            {
                problems.Report(new Problem(path, $"{image.Reference}: layer {layers[i].Digest} is missing from the image; its files are not read"));
                continue;
            }

            foreach (var reason in layer.Problems) problems.Report(new Problem(path, $"{image.Reference}: layer {layers[i].Digest}: {reason}"));
            files.Apply(i, layer);
        }

        var (os, packages) = ImagePackages.Extract(files, layers, reason => problems.Report(new Problem(path, $"{image.Reference}: {reason}")));
        return new ImageContents(image.Reference, image.ManifestDigest, os, layers, packages);
    }

    private static bool? FromBase(IReadOnlyList<string> diffIds, int index, IReadOnlyList<string>? baseIds)
    {
        if (baseIds is null || diffIds.Count == 0) return null;
        if (index >= baseIds.Count) return false;
        for (var i = 0; i <= index; i++)
        {
            if (!string.Equals(diffIds[i], baseIds[i], StringComparison.Ordinal)) return false;
        }

        return true;
    }

    /// <summary>An image config's <c>rootfs.diff_ids</c>.</summary>
    public static IReadOnlyList<string> DiffIds(JsonElement config) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty("rootfs", out var rootfs) && rootfs.ValueKind == JsonValueKind.Object
            && rootfs.TryGetProperty("diff_ids", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? [.. ids.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!)]
            : [];

    /// <summary>The images the archive's <c>manifest.json</c> (docker save) or <c>index.json</c> (OCI) lists.</summary>
    private static List<ImageEntry> Images(Blobs blobs, string path, IProblemReporter problems, ImageLimits limits)
    {
        var images = new List<ImageEntry>();
        if (blobs.Json("manifest.json") is { ValueKind: JsonValueKind.Array } docker)
        {
            foreach (var entry in docker.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
            {
                var config = Str(entry, "Config");
                var layers = entry.TryGetProperty("Layers", out var l) && l.ValueKind == JsonValueKind.Array
                    ? l.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                    : [];
                var tags = entry.TryGetProperty("RepoTags", out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).FirstOrDefault() : null;
                if (config is null || layers.Count == 0)
                {
                    problems.Report(new Problem(path, "manifest.json: an entry without Config or Layers is skipped"));
                    continue;
                }

                // Docker 25+ writes the layers as OCI blobs (blobs/sha256/HEX): the name is the digest.
                Add(new ImageEntry(tags ?? config, null, config, layers, [.. layers.Select(DigestOfBlobName)]));
            }
        }
        else if (blobs.Json("index.json") is { ValueKind: JsonValueKind.Object } index)
        {
            Walk(index, null, 0);
        }
        else
        {
            problems.Report(new Problem(path, "not a docker save archive or an OCI image layout: no manifest.json or index.json"));
        }

        return images;

        void Add(ImageEntry image)
        {
            if (images.Count >= limits.MaxImages)
            {
                if (images.Count == limits.MaxImages) problems.Report(new Problem(path, $"more than {limits.MaxImages} images; the rest are not read"));
                return;
            }

            if (image.Layers.Count > limits.MaxLayers)
            {
                problems.Report(new Problem(path, $"{image.Reference}: {image.Layers.Count} layers, more than the {limits.MaxLayers} read; not read"));
                return;
            }

            images.Add(image);
        }

        void Walk(JsonElement index, string? name, int depth)
        {
            if (!index.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array) return;
            foreach (var descriptor in manifests.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.Object))
            {
                var annotations = descriptor.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
                if (annotations.ValueKind == JsonValueKind.Object && Str(annotations, "vnd.docker.reference.type") == "attestation-manifest") continue;
                if (BlobName(Str(descriptor, "digest")) is not { } blob)
                {
                    problems.Report(new Problem(path, $"index: a manifest digest '{Str(descriptor, "digest")}' that is not a valid digest is skipped"));
                    continue;
                }

                var reference = (annotations.ValueKind == JsonValueKind.Object ? Str(annotations, "io.containerd.image.name") ?? Str(annotations, "org.opencontainers.image.ref.name") : null) ?? name;
                if (blobs.Json(blob) is not { ValueKind: JsonValueKind.Object } manifest)
                {
                    // A multi-platform index often carries only one platform's blobs.
                    if (depth == 0) problems.Report(new Problem(path, $"index: manifest {Str(descriptor, "digest")} is missing or not JSON"));
                    continue;
                }

                if (manifest.TryGetProperty("manifests", out _))
                {
                    if (depth < MaxIndexDepth) Walk(manifest, reference, depth + 1);
                    continue;
                }

                var digest = Str(descriptor, "digest")!;
                var configDigest = manifest.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? Str(c, "digest") : null;
                var layers = manifest.TryGetProperty("layers", out var l) && l.ValueKind == JsonValueKind.Array
                    ? l.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).Select(x => Str(x, "digest")).ToList()
                    : [];
                if (BlobName(configDigest) is not { } config || layers.Any(x => BlobName(x) is null))
                {
                    problems.Report(new Problem(path, $"manifest {digest}: a config or layer digest is missing or invalid; the image is not read"));
                    continue;
                }

                Add(new ImageEntry(reference ?? digest, digest, config, [.. layers.Select(x => BlobName(x)!)], [.. layers]));
            }
        }
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>"blobs/ALG/HEX" for a valid OCI digest; null for anything else (so no digest can name a path outside the layout).</summary>
    private static string? BlobName(string? digest)
    {
        if (digest is null || !Digest().IsMatch(digest)) return null;
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        return $"blobs/{digest[..colon]}/{digest[(colon + 1)..]}";
    }

    private static string? DigestOfBlobName(string name)
    {
        var parts = name.Split('/');
        return parts is ["blobs", var alg, var hex] && Digest().IsMatch(alg + ":" + hex) ? alg + ":" + hex : null;
    }

    [GeneratedRegex("^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{1,256}$")]
    private static partial Regex Digest();

    /// <summary>One image of the archive: its name, its manifest's digest, its config blob, and its layer blobs bottom first (with their digests when known).</summary>
    private sealed record ImageEntry(string Reference, string? ManifestDigest, string Config, IReadOnlyList<string> Layers, IReadOnlyList<string?> LayerDigests);

    /// <summary>The blobs of an image layout or archive, by name: its JSON documents, and its layers' changes.</summary>
    private abstract class Blobs
    {
        public abstract JsonElement? Json(string name);

        /// <summary>The layer's changes; null when there is no such blob. Thread-safe.</summary>
        public abstract LayerChanges? Layer(string name);

        protected static JsonElement? Parse(byte[] bytes)
        {
            try
            {
                using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>An OCI image layout folder (or a folder a docker save archive was unpacked into): files read on demand, names kept inside the folder.</summary>
    private sealed class FolderBlobs(string root, ImageLimits limits, KeptBytes budget, CancellationToken ct) : Blobs
    {
        private readonly string _root = Path.GetFullPath(root);
        private readonly ConcurrentDictionary<string, Lazy<LayerChanges?>> _layers = new(StringComparer.Ordinal);

        public override JsonElement? Json(string name)
        {
            if (Resolve(name) is not { } file || file.Length > limits.MaxMetadataBytes) return null;
            return Parse(File.ReadAllBytes(file.FullName));
        }

        public override LayerChanges? Layer(string name) => _layers.GetOrAdd(name, n => new Lazy<LayerChanges?>(() =>
        {
            if (Resolve(n) is not { } file) return null;
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return LayerScanner.Scan(stream, limits, budget, ct);
        })).Value;

        /// <summary>The regular file <paramref name="name"/> names inside the folder; null when absent, outside it or a link.</summary>
        private FileInfo? Resolve(string name)
        {
            if (EntryPath.Normalize(name, limits, out var relative) != EntryPath.Ok || relative.Length == 0) return null;
            var full = Path.GetFullPath(Path.Combine(_root, relative));
            if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
            var file = new FileInfo(full);
            return file.Exists && file.LinkTarget is null ? file : null;
        }
    }

    /// <summary>A tar of an image (docker save, or an OCI layout), read in one pass: small JSON members kept, layer members scanned as they pass.</summary>
    private sealed class ArchiveBlobs : Blobs
    {
        private readonly Dictionary<string, JsonElement> _json = new(StringComparer.Ordinal);
        private readonly Dictionary<string, LayerChanges> _layers = new(StringComparer.Ordinal);

        public override JsonElement? Json(string name) => EntryPath.Normalize(name, ImageLimits.Default, out var n) == EntryPath.Ok && _json.TryGetValue(n, out var e) ? e : null;

        public override LayerChanges? Layer(string name) => EntryPath.Normalize(name, ImageLimits.Default, out var n) == EntryPath.Ok ? _layers.GetValueOrDefault(n) : null;

        public static ArchiveBlobs Read(string path, ImageLimits limits, KeptBytes budget, IProblemReporter problems, CancellationToken ct)
        {
            var blobs = new ArchiveBlobs();
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var peek = new PeekStream(file, 512);
            var gzip = peek.Head.Length >= 2 && peek.Head[0] == 0x1f && peek.Head[1] == 0x8b;
            if (!gzip && !LayerScanner.IsTar(peek.Head)) throw new InvalidDataException("not a tar archive (nor a gzip-compressed one) or an image layout folder");
            using var archive = gzip ? new BufferedStream(new GZipStream(peek, CompressionMode.Decompress), 1 << 16) : (Stream)peek;
            var members = 0;
            try
            {
                using var reader = new TarReader(archive, leaveOpen: true);
                while (reader.GetNextEntry(copyData: false) is { } entry)
                {
                    ct.ThrowIfCancellationRequested();
                    if (++members > limits.MaxArchiveMembers)
                    {
                        problems.Report(new Problem(path, $"more than {limits.MaxArchiveMembers:N0} members; the rest of the archive is not read"));
                        break;
                    }

                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile) || entry.DataStream is null) continue;
                    if (EntryPath.Normalize(entry.Name, limits, out var name) != EntryPath.Ok) continue;
                    var member = new PeekStream(entry.DataStream, 512);
                    var head = member.Head;
                    var first = head.IndexOfAnyExcept(" \t\r\n"u8);
                    if (first >= 0 && head[first] is (byte)'{' or (byte)'[')
                    {
                        if (entry.Length > limits.MaxMetadataBytes) continue;
                        var bytes = new byte[entry.Length];
                        member.ReadExactly(bytes);
                        if (Parse(bytes) is { } json) blobs._json[name] = json;
                    }
                    else if ((head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) || (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xb5) || LayerScanner.IsTar(head))
                    {
                        blobs._layers[name] = LayerScanner.Scan(member, limits, budget, ct);
                    }
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
            {
                problems.Report(new Problem(path, $"the archive is not a readable tar after {members:N0} members ({ex.Message.TrimEnd('.')}); what came before is read"));
            }

            return blobs;
        }
    }
}
