using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Settings of <see cref="UntrustedSourceDetector"/> (<c>detectors.dependency.untrusted-source</c>).</summary>
internal sealed record UntrustedSourceOptions
{
    /// <summary>The public registries of each ecosystem: the default allowlist (api.github.com is where Packagist's packages are distributed from; crates.io's git index is on github.com; pypi.python.org is PyPI's former name, still in old Pipfile.lock sources).</summary>
    public static IReadOnlyList<string> PublicRegistries { get; } =
    [
        "registry.npmjs.org", "registry.yarnpkg.com", "api.nuget.org", "www.nuget.org", "pypi.org", "pypi.python.org", "files.pythonhosted.org",
        "proxy.golang.org", "crates.io", "static.crates.io", "index.crates.io", "rubygems.org", "repo.packagist.org",
        "packagist.org", "api.github.com", "repo.maven.apache.org", "repo1.maven.org", "plugins.gradle.org",
        "github.com/rust-lang/crates.io-index",
    ];

    /// <summary>Hosts packages may be resolved from; a host matches an entry or is a subdomain of it, and an entry with a path matches locations under it. <c>registries</c> in pipewatch.yml replaces the default.</summary>
    public IReadOnlyList<string> Registries { get; init; } = PublicRegistries;

    /// <summary>Whether git dependencies are reported (<c>allow-git: true</c> turns them off).</summary>
    public bool AllowGit { get; init; }

    /// <summary>Its <c>detectors.dependency.untrusted-source</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UntrustedSourceOptions>(
        "dependency.untrusted-source",
        [
            Setting.Strings<UntrustedSourceOptions>("registries", (o, v) => o with { Registries = v }),
            Setting.Bool<UntrustedSourceOptions>("allow-git", (o, v) => o with { AllowGit = v }),
        ]);
}
