using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PipeWatch.Dependencies.Images;

/// <summary>
/// Pulls one image from a registry over the OCI distribution API (<c>registry://HOST[:PORT]/NAME[:TAG|@sha256:DIGEST]</c>) into an
/// OCI image layout folder, which the image reader then reads as any layout: the manifest by tag or digest (with the manifest media
/// types in <c>Accept</c>), a multi-platform index resolved to linux/amd64 (else its first image), then the config and layers by
/// digest, each checked against its digest as it is written.
/// </summary>
/// <remarks>
/// HTTPS, except plain HTTP to a loopback host (a local registry). A <c>401</c> with a <c>Bearer</c> challenge is answered with an
/// anonymous token from the challenge's realm (the registry's token service), as <c>docker pull</c> does for public images;
/// nothing else is sent. Manifests are read up to 4 MiB, each blob up to <see cref="MaxBlobBytes"/>; any mismatch, refusal or
/// overrun is a <see cref="RegistryPullException"/> naming the request.
/// </remarks>
public static partial class RegistryPull
{
    /// <summary>How an image reference that names a registry begins.</summary>
    internal const string Scheme = "registry://";

    /// <summary>The largest blob (a layer) written, 8 GiB.</summary>
    internal const long MaxBlobBytes = 8L << 30;

    private const int MaxManifestBytes = 4 << 20;
    private const int MaxTokenBytes = 1 << 20;
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string DockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>True when <paramref name="text"/> names an image in a registry rather than a file.</summary>
    public static bool IsReference(string text) => text.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Pulls <paramref name="reference"/> into <paramref name="folder"/> (created; an OCI image layout when done).</summary>
    /// <returns>The image's name as the layout records it (<c>HOST/NAME:TAG</c> or <c>HOST/NAME@DIGEST</c>).</returns>
    /// <exception cref="RegistryPullException">The reference is malformed, or the registry refused, failed or sent something that does not match its digest.</exception>
    public static async Task<string> PullAsync(string reference, string folder, HttpClient http, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(http);
        var (host, name, tag, digest) = Parse(reference);
        var loopback = host.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || host.StartsWith("127.", StringComparison.Ordinal) || host.StartsWith("[::1]", StringComparison.Ordinal);
        var session = new Session(http, new Uri($"{(loopback ? "http" : "https")}://{host}/v2/{name}/"), name);
        var blobs = Path.Combine(folder, "blobs", "sha256");
        Directory.CreateDirectory(blobs);

        var (manifest, type) = await session.ManifestAsync(digest ?? tag!, digest, ct).ConfigureAwait(false);
        if (type is OciIndex or DockerList)
        {
            var chosen = Choose(manifest, reference);
            (manifest, type) = await session.ManifestAsync(chosen, chosen, ct).ConfigureAwait(false);
        }

        if (type is not (OciManifest or DockerManifest)) throw new RegistryPullException($"{reference}: the registry answered a manifest of type '{type}', not an image manifest");
        var manifestDigest = Digest(manifest);
        await File.WriteAllBytesAsync(Path.Combine(blobs, manifestDigest["sha256:".Length..]), manifest, ct).ConfigureAwait(false);
        foreach (var blob in Blobs(manifest, reference)) await session.BlobAsync(blob, Path.Combine(blobs, blob["sha256:".Length..]), ct).ConfigureAwait(false);

        var named = digest is null ? $"{host}/{name}:{tag}" : $"{host}/{name}@{digest}";
        await File.WriteAllTextAsync(Path.Combine(folder, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""", ct).ConfigureAwait(false);
        var index = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciIndex,
            ["manifests"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["mediaType"] = type,
                    ["digest"] = manifestDigest,
                    ["size"] = manifest.Length,
                    ["annotations"] = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = named },
                },
            },
        };
        await File.WriteAllBytesAsync(Path.Combine(folder, "index.json"), JsonSerializer.SerializeToUtf8Bytes(index), ct).ConfigureAwait(false);
        return named;
    }

    /// <summary>HOST[:PORT], the repository name, and a tag or a sha256 digest (the tag <c>latest</c> when neither is given).</summary>
    private static (string Host, string Name, string? Tag, string? Digest) Parse(string reference)
    {
        if (!IsReference(reference)) throw new RegistryPullException($"{reference}: expected {Scheme}HOST[:PORT]/NAME[:TAG|@sha256:DIGEST]");
        var rest = reference[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !HostPattern().IsMatch(rest[..slash])) throw new RegistryPullException($"{reference}: expected {Scheme}HOST[:PORT]/NAME[:TAG|@sha256:DIGEST]");
        var host = rest[..slash];
        var path = rest[(slash + 1)..];
        string name;
        string? tag = null, digest = null;
        var at = path.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            (name, digest) = (path[..at], path[(at + 1)..]);
            if (!DigestPattern().IsMatch(digest)) throw new RegistryPullException($"{reference}: '{digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits)");
        }
        else
        {
            var colon = path.LastIndexOf(':');
            (name, tag) = colon > path.LastIndexOf('/') ? (path[..colon], path[(colon + 1)..]) : (path, "latest");
            if (!TagPattern().IsMatch(tag)) throw new RegistryPullException($"{reference}: '{tag}' is not a tag");
        }

        if (!NamePattern().IsMatch(name)) throw new RegistryPullException($"{reference}: '{name}' is not a repository name");
        return (host, name, tag, digest);
    }

    /// <summary>The linux/amd64 image of an index, else its first image manifest.</summary>
    private static string Choose(byte[] index, string reference)
    {
        try
        {
            using var document = JsonDocument.Parse(index);
            var manifests = document.RootElement.GetProperty("manifests").EnumerateArray()
                .Where(m => m.TryGetProperty("mediaType", out var t) && t.GetString() is OciManifest or DockerManifest && m.TryGetProperty("digest", out _))
                .ToList();
            var chosen = manifests.FirstOrDefault(m => m.TryGetProperty("platform", out var p) && Text(p, "os") == "linux" && Text(p, "architecture") == "amd64");
            if (chosen.ValueKind == JsonValueKind.Undefined && manifests.Count > 0) chosen = manifests[0];
            if (chosen.ValueKind == JsonValueKind.Undefined) throw new RegistryPullException($"{reference}: the index names no image manifest");
            return ValidDigest(chosen.GetProperty("digest").GetString(), reference);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new RegistryPullException($"{reference}: the index is not a valid image index ({ex.Message.TrimEnd('.')})");
        }
    }

    /// <summary>The config's and the layers' digests, in the manifest's order.</summary>
    private static List<string> Blobs(byte[] manifest, string reference)
    {
        try
        {
            using var document = JsonDocument.Parse(manifest);
            var root = document.RootElement;
            var blobs = new List<string> { ValidDigest(root.GetProperty("config").GetProperty("digest").GetString(), reference) };
            foreach (var layer in root.GetProperty("layers").EnumerateArray())
            {
                // A foreign layer's blob lives elsewhere (Windows base layers): the layout reader reports it missing.
                if (layer.TryGetProperty("urls", out _)) continue;
                blobs.Add(ValidDigest(layer.GetProperty("digest").GetString(), reference));
            }

            return [.. blobs.Distinct(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new RegistryPullException($"{reference}: the manifest is not a valid image manifest ({ex.Message.TrimEnd('.')})");
        }
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string ValidDigest(string? digest, string reference) =>
        digest is not null && DigestPattern().IsMatch(digest) ? digest : throw new RegistryPullException($"{reference}: '{digest}' is not a sha256 digest");

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?$")]
    private static partial Regex HostPattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    /// <summary>One repository's requests, with the bearer token once a challenge gave one.</summary>
    private sealed class Session(HttpClient http, Uri repository, string name)
    {
        private string? _token;

        public async Task<(byte[] Body, string Type)> ManifestAsync(string reference, string? digest, CancellationToken ct)
        {
            var url = new Uri(repository, "manifests/" + reference);
            using var response = await SendAsync(url, [OciManifest, OciIndex, DockerManifest, DockerList], ct).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, MaxManifestBytes, url, ct).ConfigureAwait(false);
            if (digest is not null && Digest(body) != digest) throw new RegistryPullException($"GET {url}: the manifest's digest is {Digest(body)}, not {digest}");
            var type = response.Content.Headers.ContentType?.MediaType;
            if (type is null or "application/json")
            {
                try
                {
                    using var document = JsonDocument.Parse(body);
                    type = document.RootElement.TryGetProperty("mediaType", out var t) ? t.GetString() : null;
                }
                catch (JsonException ex)
                {
                    throw new RegistryPullException($"GET {url}: the manifest is not JSON ({ex.Message.TrimEnd('.')})");
                }
            }

            return (body, type ?? "");
        }

        public async Task BlobAsync(string digest, string file, CancellationToken ct)
        {
            var url = new Uri(repository, "blobs/" + digest);
            using var response = await SendAsync(url, [], ct).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is > MaxBlobBytes) throw new RegistryPullException($"GET {url}: {response.Content.Headers.ContentLength:N0} bytes is over the {MaxBlobBytes:N0}-byte limit");
            var partial = file + ".partial";
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                await using (var target = File.Create(partial))
                await using (var source = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
                {
                    var buffer = new byte[1 << 16];
                    long total = 0;
                    int read;
                    while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                    {
                        total += read;
                        if (total > MaxBlobBytes) throw new RegistryPullException($"GET {url}: more than {MaxBlobBytes:N0} bytes");
                        hash.AppendData(buffer, 0, read);
                        await target.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    }
                }

                var actual = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
                if (actual != digest)
                {
                    File.Delete(partial);
                    throw new RegistryPullException($"GET {url}: the blob's digest is {actual}, not {digest}");
                }
            }

            File.Move(partial, file, overwrite: true);
        }

        /// <summary>A GET that succeeded, answering one bearer challenge on the way; anything else is an exception naming the request.</summary>
        private async Task<HttpResponseMessage> SendAsync(Uri url, string[] accept, CancellationToken ct)
        {
            for (var attempt = 0; ; attempt++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                foreach (var type in accept) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                if (_token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
                HttpResponseMessage response;
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw new RegistryPullException($"GET {url}: {ex.Message.TrimEnd('.')}");
                }

                if (response.IsSuccessStatusCode) return response;
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0
                        && response.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) is { Parameter: { } challenge })
                    {
                        _token = await TokenAsync(challenge, url, ct).ConfigureAwait(false);
                        continue;
                    }

                    throw new RegistryPullException($"GET {url}: HTTP {(int)response.StatusCode}{(response.StatusCode == HttpStatusCode.Unauthorized ? " (the registry wants credentials; only anonymous pulls are supported)" : "")}");
                }
            }
        }

        /// <summary>An anonymous token from the challenge's realm for the challenge's service and scope (pull of this repository when none is given).</summary>
        private async Task<string> TokenAsync(string challenge, Uri url, CancellationToken ct)
        {
            var fields = ChallengeField().Matches(challenge).ToDictionary(m => m.Groups[1].Value.ToLowerInvariant(), m => m.Groups[2].Value, StringComparer.Ordinal);
            if (!fields.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
            {
                throw new RegistryPullException($"GET {url}: HTTP 401 with a bearer challenge that names no http(s) realm");
            }

            var query = new List<string>();
            if (fields.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
            query.Add("scope=" + Uri.EscapeDataString(fields.GetValueOrDefault("scope") ?? $"repository:{name}:pull"));
            var tokenUrl = new Uri(realmUri + (realmUri.Query.Length > 0 ? "&" : "?") + string.Join("&", query));
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync(tokenUrl, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new RegistryPullException($"GET {realmUri.GetLeftPart(UriPartial.Path)}: {ex.Message.TrimEnd('.')}");
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode) throw new RegistryPullException($"GET {realmUri.GetLeftPart(UriPartial.Path)}: HTTP {(int)response.StatusCode} for an anonymous token");
                var body = await ReadBoundedAsync(response, MaxTokenBytes, realmUri, ct).ConfigureAwait(false);
                try
                {
                    using var document = JsonDocument.Parse(body);
                    var root = document.RootElement;
                    var token = Text(root, "token") ?? Text(root, "access_token");
                    if (!string.IsNullOrEmpty(token)) return token;
                }
                catch (JsonException)
                {
                    // Reported below.
                }

                throw new RegistryPullException($"GET {realmUri.GetLeftPart(UriPartial.Path)}: the answer holds no token");
            }
        }

        private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, Uri url, CancellationToken ct)
        {
            if (response.Content.Headers.ContentLength is { } length && length > limit) throw new RegistryPullException($"GET {url.GetLeftPart(UriPartial.Path)}: {length:N0} bytes is over the {limit:N0}-byte limit");
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit) throw new RegistryPullException($"GET {url.GetLeftPart(UriPartial.Path)}: more than {limit:N0} bytes");
                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    [GeneratedRegex(@"([A-Za-z_]+)=""([^""]*)""")]
    private static partial Regex ChallengeField();
}

/// <summary>A registry pull that failed: the message names the reference or request and the reason.</summary>
public sealed class RegistryPullException(string message) : Exception(message);
