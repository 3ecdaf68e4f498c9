using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Images;

namespace PipeWatch.Cli.Commands;

/// <summary><c>ingest --image registry://HOST/NAME:TAG</c>: each image named by a registry reference is pulled into a temporary OCI layout first, removed after the run.</summary>
internal sealed class RegistryImages : IDisposable
{
    private readonly List<string> _folders = [];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>The image's name for a pulled folder (<c>HOST/NAME:TAG</c>), null for a file given as it is.</summary>
    public string? NameOf(string path) => _names.GetValueOrDefault(path);

    /// <summary>The images as paths to read: files resolved, registry references pulled; null after saying on stderr why one could not be pulled.</summary>
    public async Task<List<string>?> ResolveAsync(CliHost host, IReadOnlyList<string> images, CancellationToken ct)
    {
        var paths = new List<string>(images.Count);
        HttpClient? http = null;
        try
        {
            foreach (var image in images)
            {
                if (!RegistryPull.IsReference(image))
                {
                    paths.Add(host.Resolve(image));
                    continue;
                }

                http ??= new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
                var folder = Path.Combine(Path.GetTempPath(), $"pipewatch-pull-{Guid.NewGuid():n}");
                _folders.Add(folder);
                try
                {
                    var named = await RegistryPull.PullAsync(image, folder, http, ct);
                    await host.DetailAsync(TerminalText.Escape($"pulled {named}"));
                    _names[folder] = named;
                    paths.Add(folder);
                }
                catch (Exception ex) when (ex is RegistryPullException or IOException or UnauthorizedAccessException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --image {image}: cannot pull: {ex.Message}"));
                    return null;
                }
            }

            return paths;
        }
        finally
        {
            http?.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is harmless; the run's result stands.
            }
        }
    }
}
