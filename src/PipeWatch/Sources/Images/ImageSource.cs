using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Dependencies.Images;
using PipeWatch.Events;

namespace PipeWatch.Sources.Images;

/// <summary>Reads a container image (a <c>docker save</c> archive, or an OCI image layout folder or tar) into one <see cref="EventKind.Dependencies"/> event per image: its OS and language packages, each with its layer.</summary>
/// <remarks>
/// The event id hashes the image's path, its layers and the stamp given (the state of the advisory index), so ingesting the
/// same image again is skipped until the image or the advisories change. Problems (a missing layer, an unreadable
/// database) are reported and the rest of the image is read.
/// </remarks>
public sealed class ImageSource : ISource
{
    private readonly string _path;
    private readonly string _name;
    private readonly string? _stamp;
    private readonly IReadOnlyList<string>? _baseDiffIds;

    /// <param name="path">The archive or layout folder.</param>
    /// <param name="stamp">Anything that should make a re-read count as new (the advisory index's state); null for none.</param>
    /// <param name="baseImage">The base image the build started from (same forms), to tell the base's layers from the build's; null when unknown.</param>
    /// <param name="name">How the image is named in findings and the inventory instead of <paramref name="path"/> (a registry image pulled into a temporary folder); null for the path.</param>
    public ImageSource(string path, string? stamp = null, string? baseImage = null, string? name = null)
    {
        _path = path;
        _name = name ?? path;
        _stamp = stamp;
        _baseDiffIds = baseImage is null ? null : BaseLayers(baseImage);
    }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var images = await Task.Run(() => ImageReader.Read(_path, context.Problems, new ImageReadOptions(BaseDiffIds: _baseDiffIds), cancellationToken), cancellationToken).ConfigureAwait(false);
        context.BytesRead?.Invoke(File.Exists(_path) ? new FileInfo(_path).Length : 0);
        var written = Directory.Exists(_path) ? Directory.GetLastWriteTimeUtc(_path) : File.GetLastWriteTimeUtc(_path);
        foreach (var image in images)
        {
            var shown = images.Count == 1 ? _name : $"{_name} ({image.Reference})";
            yield return new Event
            {
                Kind = EventKind.Dependencies,
                Id = $"image:{Hash(image)}",
                Timestamp = new DateTimeOffset(written, TimeSpan.Zero),
                Dataset = "dependencies.container-image",
                Ci = CiContext.ForRepository(null),
                Origin = new Origin(_name),
                Dependencies = new DependencyFile(shown, "container-image", [.. image.Packages.Select(p => p.ToDependency())]),
            };
        }
    }

    private static IReadOnlyList<string>? BaseLayers(string path)
    {
        var images = ImageReader.Read(path, new Diagnostics.ProblemLog(), new ImageReadOptions(new ImageLimits { MaxLayerEntries = 0 }));
        return images.Count == 1 ? [.. images[0].Layers.Select(l => l.DiffId ?? l.Digest)] : null;
    }

    private string Hash(ImageContents image)
    {
        var text = new StringBuilder().Append(_name).Append('\n').Append(image.Reference).Append('\n').Append(_stamp).Append('\n');
        foreach (var layer in image.Layers) text.Append(layer.Digest).Append('\n');
        foreach (var package in image.Packages) text.Append(package).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }
}
