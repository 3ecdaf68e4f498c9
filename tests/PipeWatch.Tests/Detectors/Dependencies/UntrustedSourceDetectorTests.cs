using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

public sealed class UntrustedSourceDetectorTests
{
    private static readonly NpmEntry Express = new("express", "4.18.2", Direct: true);
    private readonly CommitHistory _history = new();

    public UntrustedSourceDetectorTests() =>
        _history.Commit("Dana Dev <dana@example.com>", ("package.json", CommitHistory.PackageJson("express")), ("package-lock.json", CommitHistory.NpmLock(Express)));

    private List<Finding> Add(NpmEntry entry, UntrustedSourceOptions? options = null)
    {
        var commit = _history.Commit("Eve Intruder <eve@example.net>", ("package-lock.json", CommitHistory.NpmLock(Express, entry)));
        return _history.Inspect(new UntrustedSourceDetector(new LockfileCache(new ProblemLog()), options ?? new UntrustedSourceOptions()), commit);
    }

    [Fact]
    public void A_tarball_from_an_outside_host_is_reported_high()
    {
        var finding = Assert.Single(Add(new NpmEntry("lodahs", "4.17.21", Resolved: "https://files.evil.example/lodahs-4.17.21.tgz")));

        Assert.Equal((Categories.UntrustedSource, Categories.UntrustedSource, Severity.High), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal("lodahs@4.17.21 is resolved from an untrusted source", finding.Title);
        Assert.Equal("https://files.evil.example/lodahs-4.17.21.tgz", finding.Evidence.Single(e => e.Name == "resolved").Value);
        Assert.Contains("host files.evil.example is not on the registry allowlist", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_http_and_git_sources_are_reported()
    {
        Assert.Equal(Severity.High, Assert.Single(Add(new NpmEntry("ms", "2.1.3", Resolved: "http://registry.npmjs.org/ms/-/ms-2.1.3.tgz", Integrity: ""))).Severity);
        // An http:// URL as npm 5 wrote it (commander.js's lockfile of 2018), beside an integrity hash that pins the content: recorded, low.
        var pinned = Assert.Single(Add(new NpmEntry("onetime", "1.1.0", Resolved: "http://registry.npmjs.org/onetime/-/onetime-1.1.0.tgz", Integrity: "sha1-ofeDj4MUxRbwXs78vEzP4EtO14k=")));
        Assert.Equal(Severity.Low, pinned.Severity);
        Assert.Contains("pins its content with an integrity hash", pinned.Explanation, StringComparison.Ordinal);
        var git = Assert.Single(Add(new NpmEntry("tool", "1.0.0", Resolved: "git+ssh://git@github.com/acme/tool.git#0a2d2506c1fe299691fc5db53a2097db3bd615bc")));
        Assert.Equal(Severity.Medium, git.Severity);
        Assert.Contains("fetched from a git repository", git.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_version_hashed_with_another_algorithm_is_not_a_changed_integrity()
    {
        // mocha's lockfile: npm rewrote arr-flatten 1.1.0's sha512-… as sha1-… (and back) depending on the npm that installed it.
        var sha512 = "sha512-L3hKV5R/p5o81R7O02IGnwpDmkp6E982XhtbuwSe3O4qOtMMMtodicASA1Cny2U+aCXcNpml+neO6NXqaqQtxw==";
        var detector = new UntrustedSourceDetector(new LockfileCache(new ProblemLog()), new UntrustedSourceOptions());
        var history = new CommitHistory();
        history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("arr-flatten", "1.1.0", Direct: true, Integrity: sha512))));
        var swapped = history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("arr-flatten", "1.1.0", Direct: true, Integrity: "sha1-NgSLv/TntH4TZkQxbJlmnqWukfE="))));
        var both = history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("arr-flatten", "1.1.0", Direct: true, Integrity: sha512 + " sha1-NgSLv/TntH4TZkQxbJlmnqWukfE="))));
        var tampered = history.Commit("Eve Intruder <eve@example.net>", ("package-lock.json", CommitHistory.NpmLock(new NpmEntry("arr-flatten", "1.1.0", Direct: true, Integrity: "sha512-AAAAtampered"))));

        Assert.Empty(history.Inspect(detector, swapped));
        Assert.Empty(history.Inspect(detector, both));
        Assert.Equal(Severity.High, Assert.Single(history.Inspect(detector, tampered)).Severity);
    }

    [Fact]
    public void A_changed_integrity_hash_for_the_same_version_is_reported_high()
    {
        var commit = _history.Commit("Eve Intruder <eve@example.net>", ("package-lock.json", CommitHistory.NpmLock(Express with { Integrity = "sha512-AAAAtampered" })));

        var finding = Assert.Single(_history.Inspect(new UntrustedSourceDetector(new LockfileCache(new ProblemLog()), new UntrustedSourceOptions()), commit));

        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("sha512-AAAAtampered", finding.Evidence.Single(e => e.Name == "integrity_after").Value);
    }

    [Fact]
    public void Credentials_in_a_resolved_url_are_not_repeated()
    {
        var finding = Assert.Single(Add(new NpmEntry("tool", "1.0.0", Resolved: "https://deploy-token@git.example.com/acme/tool/-/archive/v1.tgz")));

        Assert.Equal("https://***@git.example.com/acme/tool/-/archive/v1.tgz", finding.Evidence.Single(e => e.Name == "resolved").Value);
        Assert.DoesNotContain("deploy-token", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_registries_and_a_configured_private_mirror_raise_nothing()
    {
        Assert.Empty(Add(new NpmEntry("ms", "2.1.3")));
        var mirror = new UntrustedSourceOptions { Registries = [.. UntrustedSourceOptions.PublicRegistries, "npm.internal.example"] };
        Assert.Empty(Add(new NpmEntry("left-pad", "1.3.0", Resolved: "https://npm.internal.example/left-pad/-/left-pad-1.3.0.tgz"), mirror));
    }
}
