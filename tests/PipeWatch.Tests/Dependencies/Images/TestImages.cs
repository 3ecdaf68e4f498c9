using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PipeWatch.Tests.Dependencies.Images;

/// <summary>One entry of a test layer: a file (content), a symbolic link (link) or a whiteout (a file named <c>.wh.NAME</c>, empty).</summary>
internal sealed record LayerEntry(string Path, byte[]? Content = null, string? Link = null)
{
    public static LayerEntry File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    public static LayerEntry File(string path, byte[] bytes) => new(path, bytes);

    public static LayerEntry Symlink(string path, string target) => new(path, Link: target);

    public static LayerEntry Whiteout(string path) => new(path, []);
}

/// <summary>Builds images the way <c>docker save</c> and OCI tools write them, from layers given as entries: tars made with System.Formats.Tar, digests computed.</summary>
internal static class TestImages
{
    /// <summary>A layer's tar (PAX, as BuildKit writes), folders created for each file's parents.</summary>
    public static byte[] Tar(IEnumerable<LayerEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var folders = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                var parts = entry.Path.Split('/');
                for (var i = 1; i < parts.Length; i++)
                {
                    var folder = string.Join('/', parts[..i]) + "/";
                    if (!folder.Contains("..", StringComparison.Ordinal) && folders.Add(folder)) writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, folder));
                }

                if (entry.Link is { } link)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, entry.Path) { LinkName = link });
                    continue;
                }

                var file = new PaxTarEntry(TarEntryType.RegularFile, entry.Path) { DataStream = new MemoryStream(entry.Content ?? []) };
                writer.WriteEntry(file);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The bytes compressed by the <c>zstd</c> command (Debian's zstd package, installed by .ci/run), as image builders write <c>tar+zstd</c> layers.</summary>
    public static byte[] Zstd(byte[] bytes)
    {
        var input = Path.GetTempFileName();
        var output = input + ".zst";
        try
        {
            File.WriteAllBytes(input, bytes);
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("zstd", ["-q", "-f", "-3", "-o", output, input]) { UseShellExecute = false })!;
            if (!process.WaitForExit(60_000)) process.Kill();
            if (process.ExitCode != 0) throw new InvalidOperationException($"zstd exited with {process.ExitCode}");
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        return buffer.ToArray();
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Hex(string digest) => digest["sha256:".Length..];

    /// <summary>The image config: architecture, os and <c>rootfs.diff_ids</c> (the uncompressed layers' digests).</summary>
    public static byte[] Config(IReadOnlyList<byte[]> layers) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        architecture = "amd64",
        os = "linux",
        config = new { Cmd = new[] { "/bin/sh" } },
        rootfs = new { type = "layers", diff_ids = layers.Select(Digest).ToArray() },
    });

    /// <summary>An OCI image layout in <paramref name="folder"/>: <c>oci-layout</c>, <c>index.json</c>, and the blobs (layers gzip-compressed when asked).</summary>
    /// <param name="zstd">Makes each layer's blob instead (a <c>tar+zstd</c> layer): <see cref="Zstd"/>, or a damaged one.</param>
    public static void WriteOciLayout(string folder, IReadOnlyList<byte[]> layers, string name, bool gzip = true, Func<byte[], byte[]>? zstd = null)
    {
        var blobs = Path.Combine(folder, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var descriptors = new List<object>();
        foreach (var layer in layers)
        {
            var blob = zstd is not null ? zstd(layer) : gzip ? Gzip(layer) : layer;
            File.WriteAllBytes(Path.Combine(blobs, Hex(Digest(blob))), blob);
            var mediaType = zstd is not null ? "application/vnd.oci.image.layer.v1.tar+zstd" : gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar";
            descriptors.Add(new { mediaType, digest = Digest(blob), size = blob.Length });
        }

        var config = Config(layers);
        File.WriteAllBytes(Path.Combine(blobs, Hex(Digest(config))), config);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.manifest.v1+json",
            config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = Digest(config), size = config.Length },
            layers = descriptors,
        });
        File.WriteAllBytes(Path.Combine(blobs, Hex(Digest(manifest))), manifest);
        File.WriteAllText(Path.Combine(folder, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        File.WriteAllBytes(Path.Combine(folder, "index.json"), JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.index.v1+json",
            manifests = new[]
            {
                new Dictionary<string, object>
                {
                    ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                    ["digest"] = Digest(manifest),
                    ["size"] = manifest.Length,
                    ["annotations"] = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = name },
                },
            },
        }));
    }

    /// <summary>A folder as a tar (members in name order, relative names), optionally gzip-compressed.</summary>
    public static void WriteTarOf(string folder, string file, bool gzip = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var path in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                writer.WriteEntry(path, Path.GetRelativePath(folder, path).Replace('\\', '/'));
            }
        }

        File.WriteAllBytes(file, gzip ? Gzip(buffer.ToArray()) : buffer.ToArray());
    }

    /// <summary>A <c>docker save</c> archive in the legacy layout (Docker before 25): <c>ID/layer.tar</c> per layer, <c>HEX.json</c> config, <c>manifest.json</c>, <c>repositories</c>.</summary>
    public static void WriteDockerSave(string file, IReadOnlyList<byte[]> layers, string tag)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var names = new List<string>();
            foreach (var layer in layers)
            {
                var id = Hex(Digest(Encoding.UTF8.GetBytes("v1 id of " + Digest(layer))));
                writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, id + "/"));
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, id + "/VERSION") { DataStream = new MemoryStream("1.0"u8.ToArray()) });
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, id + "/layer.tar") { DataStream = new MemoryStream(layer) });
                names.Add(id + "/layer.tar");
            }

            var config = Config(layers);
            var configName = Hex(Digest(config)) + ".json";
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, configName) { DataStream = new MemoryStream(config) });
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new[] { new { Config = configName, RepoTags = new[] { tag }, Layers = names } });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(manifest) });
            var colon = tag.LastIndexOf(':');
            var repositories = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, Dictionary<string, string>> { [tag[..colon]] = new() { [tag[(colon + 1)..]] = Hex(Digest(Encoding.UTF8.GetBytes("v1 id of " + Digest(layers[^1])))) } });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "repositories") { DataStream = new MemoryStream(repositories) });
        }

        File.WriteAllBytes(file, buffer.ToArray());
    }
}
