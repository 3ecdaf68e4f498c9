using System.Text;
using System.Text.Json;
using PipeWatch.Dependencies.Images;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Images;

/// <summary>
/// <c>registry://</c> images: a loopback stand-in for a registry serves an OCI layout built in the test over the OCI distribution
/// API (manifests by tag or digest, blobs by digest, a bearer-token challenge as Docker Hub's), checking each documented request;
/// the pulled layout reads exactly as the layout it was served from, and a blob that does not match its digest is refused.
/// </summary>
public sealed class RegistryPullTests : IDisposable
{
    private const string Token = "anonymous-pull-token-for-acme-app";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_image_pulled_by_tag_through_a_bearer_challenge_reads_as_the_layout_it_was_served_from()
    {
        var served = Layout();
        await using var registry = Registry(served);
        var folder = Path.Combine(_temp.Path, "pulled");

        using var http = new HttpClient();
        var named = await RegistryPull.PullAsync($"registry://{Host(registry)}/acme/app:1.4", folder, http, TestContext.Current.CancellationToken);

        var (image, problems) = ImageReaderTests.ReadOne(folder);
        Assert.Equal($"{Host(registry)}/acme/app:1.4", named);
        Assert.Empty(problems);
        Assert.Equal(named, image.Reference);
        Assert.Equal(ImageReaderTests.Expected, ImageReaderTests.Lines(image));
        var manifest = Manifest(served);
        // The documented exchange: refused without a token, the token service asked for the challenge's service and scope, then
        // the manifest with the manifest media types accepted, then the config and each layer by digest, all with the token.
        Assert.Equal(
            [
                ("/v2/acme/app/manifests/1.4", ""),
                ("/token?service=registry.test&scope=repository%3Aacme%2Fapp%3Apull", ""),
                ("/v2/acme/app/manifests/1.4", "Bearer " + Token),
                .. Blobs(manifest).Select(d => ($"/v2/acme/app/blobs/{d}", "Bearer " + Token)),
            ],
            registry.Requests.Select(r => (r.Path, r.Headers.GetValueOrDefault("Authorization") ?? "")));
        var accept = registry.Requests[2].Headers["Accept"];
        foreach (var type in new[] { OciManifest, "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json" })
        {
            Assert.Contains(type, accept, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_multi_platform_index_pinned_by_digest_is_resolved_to_its_linux_amd64_image()
    {
        var served = Layout();
        var manifest = Manifest(served);
        var index = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.index.v1+json",
            manifests = new object[]
            {
                new { mediaType = OciManifest, digest = "sha256:" + new string('a', 64), size = 1000, platform = new { architecture = "arm64", os = "linux" } },
                new { mediaType = OciManifest, digest = TestImages.Digest(manifest), size = manifest.Length, platform = new { architecture = "amd64", os = "linux" } },
            },
        });
        await using var registry = Registry(served, index);
        var folder = Path.Combine(_temp.Path, "pulled");

        using var http = new HttpClient();
        var named = await RegistryPull.PullAsync($"registry://{Host(registry)}/acme/app@{TestImages.Digest(index)}", folder, http, TestContext.Current.CancellationToken);

        var (image, problems) = ImageReaderTests.ReadOne(folder);
        Assert.Empty(problems);
        Assert.Equal(($"{Host(registry)}/acme/app@{TestImages.Digest(index)}", named), (image.Reference, named));
        Assert.Equal(ImageReaderTests.Expected, ImageReaderTests.Lines(image));
        Assert.Contains(registry.Requests, r => r.Path == $"/v2/acme/app/manifests/{TestImages.Digest(manifest)}");
        Assert.DoesNotContain(registry.Requests, r => r.Path.Contains(new string('a', 64), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_layer_that_does_not_match_its_digest_is_refused_naming_the_request()
    {
        var served = Layout();
        var layer = Blobs(Manifest(served))[^1];
        await using var registry = Registry(served, tamper: (digest, bytes) => digest == layer ? [.. bytes, 0] : bytes);
        var folder = Path.Combine(_temp.Path, "pulled");

        using var http = new HttpClient();
        var error = await Assert.ThrowsAsync<RegistryPullException>(() => RegistryPull.PullAsync($"registry://{Host(registry)}/acme/app:1.4", folder, http, TestContext.Current.CancellationToken));

        Assert.StartsWith($"GET http://{Host(registry)}/v2/acme/app/blobs/{layer}: the blob's digest is sha256:", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($", not {layer}", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "blobs", "sha256", layer["sha256:".Length..])));
        Assert.False(File.Exists(Path.Combine(folder, "index.json")));
    }

    [Theory]
    [InlineData("registry://127.0.0.1:5000/Acme/App:1.4", "'Acme/App' is not a repository name")]
    [InlineData("registry://127.0.0.1:5000/acme/app@sha256:abc", "'sha256:abc' is not a sha256 digest (sha256: and 64 lowercase hex digits)")]
    [InlineData("registry://user:pw@127.0.0.1:5000/acme/app", "expected registry://HOST[:PORT]/NAME[:TAG|@sha256:DIGEST]")]
    [InlineData("registry://127.0.0.1:5000", "expected registry://HOST[:PORT]/NAME[:TAG|@sha256:DIGEST]")]
    public async Task A_malformed_reference_is_refused_before_any_request(string reference, string reason)
    {
        using var http = new HttpClient();
        var error = await Assert.ThrowsAsync<RegistryPullException>(() => RegistryPull.PullAsync(reference, Path.Combine(_temp.Path, "pulled"), http, TestContext.Current.CancellationToken));
        Assert.Equal($"{reference}: {reason}", error.Message);
    }

    [Fact]
    public async Task Ingest_pulls_a_registry_image_into_the_inventory()
    {
        var layout = Layout();
        await using var registry = Registry(layout);
        var cli = new CliRunner(_temp.Path);
        var pulls = Directory.GetDirectories(Path.GetTempPath(), "pipewatch-pull-*").Length;

        var ingest = await cli.RunAsync("ingest", "--image", $"registry://{Host(registry)}/acme/app:1.4", "--store", "pw.db", "--format", "json");
        var list = await cli.RunAsync("inventory", "list", "--store", "pw.db");
        // The same layout read from its folder: the same packages, under the folder's name.
        Assert.True((await cli.RunAsync("ingest", "--image", layout, "--store", "direct.db", "--format", "json")).ExitCode is 0 or 1);
        var direct = await cli.RunAsync("inventory", "list", "--store", "direct.db");

        Assert.True(ingest.ExitCode is 0 or 1, ingest.Error);
        var expected = Assert.Single(direct.OutputLines).Replace(layout, $"{Host(registry)}/acme/app:1.4", StringComparison.Ordinal);
        Assert.EndsWith(" packages", expected, StringComparison.Ordinal);
        Assert.Equal([expected], list.OutputLines);
        // The pulled layout was a temporary folder, removed after the run.
        Assert.Equal(pulls, Directory.GetDirectories(Path.GetTempPath(), "pipewatch-pull-*").Length);
    }

    /// <summary>The image layout the registry serves: the two layers of <see cref="ImageReaderTests"/>, gzip-compressed.</summary>
    private string Layout()
    {
        var folder = Path.Combine(_temp.Path, "served");
        TestImages.WriteOciLayout(folder, [ImageReaderTests.BaseLayer(), ImageReaderTests.BuildLayer()], "acme/app:1.4");
        return folder;
    }

    private static byte[] Manifest(string layout)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")));
        return Blob(layout, index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!)!;
    }

    private static List<string> Blobs(byte[] manifest)
    {
        using var document = JsonDocument.Parse(manifest);
        return [document.RootElement.GetProperty("config").GetProperty("digest").GetString()!, .. document.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)];
    }

    private static byte[]? Blob(string layout, string digest)
    {
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || !digest[7..].All(Uri.IsHexDigit)) return null;
        var path = Path.Combine(layout, "blobs", "sha256", digest[7..]);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    private static string Host(LoopbackHttpServer server) => new Uri(server.Url).Authority;

    /// <summary>
    /// A registry stand-in for <c>acme/app</c>: <c>/token</c> hands out the anonymous token; every <c>/v2/</c> request without it is
    /// answered 401 with the bearer challenge; tag 1.4 is the layout's manifest, a digest any manifest or blob it holds.
    /// </summary>
    private static LoopbackHttpServer Registry(string layout, byte[]? index = null, Func<string, byte[], byte[]>? tamper = null)
    {
        string? self = null;
        var manifest = Manifest(layout);
        var server = new LoopbackHttpServer(r =>
        {
            if (r.Path == "/token?service=registry.test&scope=repository%3Aacme%2Fapp%3Apull") return new HttpReply(200, $$"""{"token":"{{Token}}","expires_in":300}""");
            if (r.Headers.GetValueOrDefault("Authorization") != "Bearer " + Token)
            {
                return new HttpReply(401, """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""", new Dictionary<string, string>
                {
                    ["WWW-Authenticate"] = $"Bearer realm=\"{self}/token\",service=\"registry.test\",scope=\"repository:acme/app:pull\"",
                });
            }

            const string Manifests = "/v2/acme/app/manifests/";
            const string BlobPath = "/v2/acme/app/blobs/";
            if (r.Path == Manifests + "1.4") return new HttpReply(200, ContentType: OciManifest) { Bytes = manifest };
            if (index is not null && r.Path == Manifests + TestImages.Digest(index)) return new HttpReply(200, ContentType: "application/vnd.oci.image.index.v1+json") { Bytes = index };
            if (r.Path.StartsWith(Manifests, StringComparison.Ordinal) && Blob(layout, r.Path[Manifests.Length..]) is { } byDigest) return new HttpReply(200, ContentType: OciManifest) { Bytes = byDigest };
            if (r.Path.StartsWith(BlobPath, StringComparison.Ordinal) && Blob(layout, r.Path[BlobPath.Length..]) is { } blob)
            {
                return new HttpReply(200, ContentType: "application/octet-stream") { Bytes = tamper?.Invoke(r.Path[BlobPath.Length..], blob) ?? blob };
            }

            return new HttpReply(404, Encoding.UTF8.GetString("""{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"""u8));
        });
        self = server.Url;
        return server;
    }
}
