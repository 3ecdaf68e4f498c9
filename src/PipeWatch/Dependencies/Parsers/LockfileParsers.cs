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
