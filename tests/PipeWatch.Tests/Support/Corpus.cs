namespace PipeWatch.Tests.Support;

/// <summary>Locates the shared corpus of real public samples (<c>../shared/corpus</c> beside the repository root).</summary>
internal static class Corpus
{
    /// <summary>The folder holding <c>PipeWatch.slnx</c>, found by walking up from the test output folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Root { get; } = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared", "corpus"));

    /// <summary>A file under the corpus root, e.g. <c>File("gitlab-webhooks", "pipeline.json")</c>.</summary>
    public static string File(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Every CI definition sample (<c>workflows/**/*.yml</c>, <c>*.yaml</c>), in path order: its path from the corpus root (with <c>/</c>) and its text.</summary>
    public static IEnumerable<(string Path, string Text)> Workflows() =>
        Directory.EnumerateFiles(File("workflows"), "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(file => (System.IO.Path.GetRelativePath(Root, file).Replace('\\', '/'), System.IO.File.ReadAllText(file)));

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "PipeWatch.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException($"PipeWatch.slnx not found above {AppContext.BaseDirectory}");
    }
}
