using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipeWatch.Dependencies.Images;
using PipeWatch.Diagnostics;

namespace PipeWatch.Bench;

/// <summary>The images suite (issue 25): reading the packages of a generated ~1 GB OCI image layout, against <c>tar -x</c> (and <c>tar -t</c>) of the same layers, in the same run.</summary>
/// <remarks>
/// The layout has four gzip layers of ordinary files (text-like content that compresses about 2:1), each with a dpkg status,
/// 1,000 <c>node_modules</c> packages and 200 Python dist-infos, the upper ones deleting some of the lower ones' by whiteouts.
/// Each round reads the layout with PipeWatch (one thread, then all), then extracts every layer with <c>tar -xzf</c> into an
/// empty folder, then lists them with <c>tar -tzf</c> (decompress and parse, no writes). Wall and CPU time (tar's from the
/// shell's <c>times</c>) are the medians of the rounds; the ratios are PipeWatch over tar.
/// </remarks>
internal static class ImageExtractionBenchmark
{
    private const int Layers = 4;

    public static int Run(string root, int megabytes, int rounds, TextWriter output)
    {
        var folder = Path.Combine(root, "bench", "out", "images");
        var layout = Path.Combine(folder, "layout");
        var extract = Path.Combine(folder, "extract");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(layout);
        var generate = Stopwatch.StartNew();
        var (blobs, uncompressed, files) = Generate(layout, megabytes);
        long compressed = blobs.Sum(b => new FileInfo(b).Length);
        output.WriteLine($"suite: images ({Layers} gzip layers, {uncompressed / 1e6:N0} MB uncompressed, {compressed / 1e6:N0} MB compressed, {files:N0} files; generated in {generate.Elapsed.TotalSeconds:N1} s)");
        output.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");

        var serial = new List<(double Wall, double Cpu)>();
        var parallel = new List<(double Wall, double Cpu)>();
        var tarX = new List<(double Wall, double Cpu)>();
        var tarT = new List<(double Wall, double Cpu)>();
        var packages = 0;
        for (var round = 0; round < rounds; round++)
        {
            serial.Add(Measure(() => packages = Read(layout, 1)));
            parallel.Add(Measure(() => Read(layout, 0)));
            if (Directory.Exists(extract)) Directory.Delete(extract, recursive: true);
            Directory.CreateDirectory(extract);
            tarX.Add(Tar($"for b in {string.Join(' ', blobs.Select(Quote))}; do tar -xzf \"$b\" -C {Quote(extract)} || exit 1; done"));
            Directory.Delete(extract, recursive: true);
            tarT.Add(Tar($"for b in {string.Join(' ', blobs.Select(Quote))}; do tar -tzf \"$b\" > /dev/null || exit 1; done"));
        }

        var s = Median(serial);
        var p = Median(parallel);
        var x = Median(tarX);
        var t = Median(tarT);
        output.WriteLine($"(a) pipewatch, 1 thread   wall {s.Wall,8:N0} ms  cpu {s.Cpu,8:N0} ms  {packages:N0} packages");
        output.WriteLine($"(b) pipewatch, parallel   wall {p.Wall,8:N0} ms  cpu {p.Cpu,8:N0} ms");
        output.WriteLine($"(c) tar -xzf each layer   wall {x.Wall,8:N0} ms  cpu {x.Cpu,8:N0} ms");
        output.WriteLine($"(d) tar -tzf each layer   wall {t.Wall,8:N0} ms  cpu {t.Cpu,8:N0} ms");
        output.WriteLine($"ratios: (a)/(c) wall {s.Wall / x.Wall:N2}x cpu {s.Cpu / x.Cpu:N2}x; (b)/(c) wall {p.Wall / x.Wall:N2}x; (a)/(d) cpu {s.Cpu / t.Cpu:N2}x");
        output.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        Directory.Delete(folder, recursive: true);
        return 0;
    }

    private static int Read(string layout, int parallelism)
    {
        var problems = new ProblemLog();
        var images = ImageReader.Read(layout, problems, new ImageReadOptions(Parallelism: parallelism));
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems.Problems));
        return images.Sum(i => i.Packages.Count);
    }

    private static (double Wall, double Cpu) Measure(Action action)
    {
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        action();
        return (wall.Elapsed.TotalMilliseconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
    }

    /// <summary>Runs a shell loop of tar, its CPU (user + system of the children) from the shell's <c>times</c>.</summary>
    private static (double Wall, double Cpu) Tar(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script + "\ntimes"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"tar failed: {stderr}");
        var elapsed = wall.Elapsed.TotalMilliseconds;

        // times: the shell's user/system, then its children's ("0m1.234s 0m0.456s").
        var children = stdout.Result.Trim().Split('\n')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (elapsed, Seconds(children[0]) + Seconds(children[1]));
    }

    private static double Seconds(string value)
    {
        var m = value.IndexOf('m', StringComparison.Ordinal);
        return (double.Parse(value[..m], CultureInfo.InvariantCulture) * 60 + double.Parse(value[(m + 1)..^1], CultureInfo.InvariantCulture)) * 1000;
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static (double Wall, double Cpu) Median(List<(double Wall, double Cpu)> values) =>
        (values.Select(v => v.Wall).Order().ElementAt(values.Count / 2), values.Select(v => v.Cpu).Order().ElementAt(values.Count / 2));

    /// <summary>Writes the layout; returns the layer blobs, the uncompressed bytes and the file count.</summary>
    private static (List<string> Blobs, long Uncompressed, int Files) Generate(string layout, int megabytes)
    {
        var random = new Random(25);
        var words = Enumerable.Range(0, 4096).Select(_ => new string([.. Enumerable.Range(0, random.Next(2, 10)).Select(_ => (char)('a' + random.Next(26)))])).ToArray();
        var text = new StringBuilder();
        while (text.Length < 8 << 20) text.Append(words[random.Next(words.Length)]).Append(random.Next(12) == 0 ? '\n' : ' ');
        var filler = Encoding.ASCII.GetBytes(text.ToString());
        var blobsFolder = Path.Combine(layout, "blobs", "sha256");
        Directory.CreateDirectory(blobsFolder);
        var blobs = new List<string>();
        var diffIds = new List<string>();
        var descriptors = new List<object>();
        long total = 0;
        var files = 0;
        var perLayer = (long)megabytes * 1_000_000 / Layers;
        for (var layer = 0; layer < Layers; layer++)
        {
            var temporary = Path.Combine(layout, "layer.tmp");
            using (var file = File.Create(temporary))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var uncompressed = new HashingCounter(sha);
                using (var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                using (var tee = new TeeStream(gzip, uncompressed))
                using (var writer = new TarWriter(tee, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var status = new StringBuilder();
                    for (var p = 0; p < 400 + (layer * 50); p++) status.Append($"Package: pkg{p}\nStatus: install ok installed\nVersion: 1.{p}-{layer}\nDescription: generated\n\n");
                    Add(writer, "var/lib/dpkg/status", Encoding.UTF8.GetBytes(status.ToString()));
                    if (layer == 0) Add(writer, "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"u8.ToArray());
                    if (layer > 0) Add(writer, $"app{layer - 1}/node_modules/.wh.pkg7", ReadOnlyMemory<byte>.Empty);
                    for (var n = 0; n < 1000; n++) Add(writer, $"app{layer}/node_modules/pkg{n}/package.json", Encoding.UTF8.GetBytes($"{{\"name\":\"pkg{n}\",\"version\":\"1.0.{layer}\"}}"));
                    for (var n = 0; n < 200; n++) Add(writer, $"usr/lib/python3/dist-packages/py{layer}x{n}-1.0.dist-info/METADATA", Encoding.UTF8.GetBytes($"Metadata-Version: 2.1\nName: py{layer}x{n}\nVersion: 1.0\n\n"));
                    files += 1201;
                    long written = 0;
                    var n2 = 0;
                    while (written < perLayer)
                    {
                        var size = (int)Math.Min(perLayer - written, random.Next(4) == 0 ? random.Next(64 << 10, 2 << 20) : random.Next(256, 32 << 10));
                        var offset = random.Next(filler.Length - size);
                        Add(writer, $"usr/share/data{layer}/d{n2 / 500}/f{n2}.txt", filler.AsMemory(offset, size));
                        written += size;
                        n2++;
                    }

                    files += n2;
                }

                total += uncompressed.Count;
                diffIds.Add("sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset()));
            }

            var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(temporary)));
            var blob = Path.Combine(blobsFolder, digest[7..]);
            File.Move(temporary, blob);
            blobs.Add(blob);
            descriptors.Add(new { mediaType = "application/vnd.oci.image.layer.v1.tar+gzip", digest, size = new FileInfo(blob).Length });
        }

        var config = JsonSerializer.SerializeToUtf8Bytes(new { architecture = "amd64", os = "linux", rootfs = new { type = "layers", diff_ids = diffIds } });
        var configDigest = Write(blobsFolder, config);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, mediaType = "application/vnd.oci.image.manifest.v1+json", config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = config.Length }, layers = descriptors });
        var manifestDigest = Write(blobsFolder, manifest);
        File.WriteAllText(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        File.WriteAllBytes(Path.Combine(layout, "index.json"), JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, manifests = new[] { new { mediaType = "application/vnd.oci.image.manifest.v1+json", digest = manifestDigest, size = manifest.Length } } }));
        return (blobs, total, files);
    }

    private static string Write(string folder, byte[] bytes)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllBytes(Path.Combine(folder, digest[7..]), bytes);
        return digest;
    }

    private static void Add(TarWriter writer, string name, ReadOnlyMemory<byte> content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new ReadOnlyMemoryStream(content) };
        writer.WriteEntry(entry);
    }

    /// <summary>Counts and hashes what passes (the uncompressed layer: its diff_id).</summary>
    private sealed class HashingCounter(IncrementalHash sha)
    {
        public long Count { get; private set; }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            sha.AppendData(bytes);
            Count += bytes.Length;
        }
    }

    private sealed class TeeStream(Stream inner, HashingCounter counter) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            counter.Add(buffer);
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> content) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position { get => _position; set => _position = (int)value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, content.Length - _position);
            content.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = (int)(origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => content.Length + offset });

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
