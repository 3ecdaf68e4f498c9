using System.Collections.Concurrent;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>The one list of lockfile and manifest formats, and which explains which (the manifest a lockfile is resolved from).</summary>
internal static class LockfileParsers
{
    public static IReadOnlyList<ILockfileParser> All { get; } =
    [
        new NpmPackageLockParser(),
        new YarnLockParser(),
        new PnpmLockParser(),
        new NuGetPackagesLockParser(),
        new PackagesConfigParser(),
        new MsBuildPackageReferenceParser(),
        new DepsJsonParser(),
        new RequirementsTxtParser(),
        new PoetryLockParser(),
        new PipfileLockParser(),
        new UvLockParser(),
        new GoModParser(),
        new CargoLockParser(),
        new GemfileLockParser(),
        new ComposerLockParser(),
        new PomXmlParser(),
        new GradleLockfileParser(),
        new GitHubWorkflowParser(),
        new GitLabCiParser(),
        new DockerfileParser(),
        new JenkinsPluginsParser(),
    ];

    /// <summary>The parser for a file at <paramref name="path"/>, by its name; null for any other file.</summary>
    public static ILockfileParser? For(string path)
    {
        // Asked for every file of every commit of a history (toolkit: 25-60 ms of a scan went to the 21 parsers' name tests,
        // each cutting the file name out again); a history names far fewer paths than it changes files, so the answer is
        // kept per path, up to a bound past which it is worked out each time.
        if (Known.TryGetValue(path, out var known)) return known;
        var found = Find(path);
        if (Known.Count < KnownPathsBound) Known.TryAdd(path, found);
        return found;
    }

    // Paths remembered by For: ~100 bytes each with the key, so at most ~6 MB.
    private const int KnownPathsBound = 65_536;
    private static readonly ConcurrentDictionary<string, ILockfileParser?> Known = new(StringComparer.Ordinal);

    private static ILockfileParser? Find(string path)
    {
        foreach (var parser in All)
        {
            if (parser.Recognizes(path)) return parser;
        }

        return null;
    }

    /// <summary>The manifest names a lockfile is resolved from, in its own folder; empty for a file that is a manifest itself.</summary>
    public static IReadOnlyList<string> ManifestsOf(string lockfilePath) => SourceText.FileName(lockfilePath) switch
    {
        "package-lock.json" or "npm-shrinkwrap.json" or "yarn.lock" or "pnpm-lock.yaml" => ["package.json"],
        "packages.lock.json" => ["*.csproj", "*.fsproj", "*.vbproj", "Directory.Packages.props"],
        "poetry.lock" or "uv.lock" => ["pyproject.toml"],
        "Pipfile.lock" => ["Pipfile"],
        "Cargo.lock" => ["Cargo.toml"],
        "Gemfile.lock" => ["Gemfile", "gems.rb"],
        "composer.lock" => ["composer.json"],
        "go.sum" => ["go.mod"],
        "gradle.lockfile" => ["build.gradle", "build.gradle.kts"],
        _ => [],
    };
}
