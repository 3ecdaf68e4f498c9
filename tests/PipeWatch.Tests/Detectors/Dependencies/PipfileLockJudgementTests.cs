using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>
/// Pipenv's <c>Pipfile.lock</c> through the real scan engine over a real git repository: the shapes of psf/requests' history
/// (hash lists rewritten in another order, a lock brought up to date with earlier Pipfile edits, a lock reverted) are quiet;
/// a package from an index off the allowlist, a replaced hash and a package slipped into the lock alone are still reported.
/// </summary>
public sealed class PipfileLockJudgementTests
{
    private const string Pipfile = """
        [[source]]
        url = "https://pypi.org/simple/"
        verify_ssl = true
        name = "pypi"

        [dev-packages]
        pytest = ">=2.8.0,<=3.10.1"
        codecov = "*"

        [packages]
        "e1839a8" = {path = ".", editable = true, extras = ["socks"]}

        """;

    private static readonly Package Pytest = new("pytest", "3.5.1", ["sha256:54713b26c97538db6ff0703a12b19aeaeb60b5e599de542e7fca0ec83b9038e8", "sha256:829230122facf05a5f81a6d4dfe6454a04978ea3746853b2b84567ecf8e5c526"]);
    private static readonly Package Codecov = new("codecov", "2.0.15", ["sha256:8ed8b7c6791010d359baed66f84f061bba5bd41174bf324c31311e8737602788", "sha256:ae00d68e18d8a20e9c3288ba3875ae03db3a8e892115bf9b83ef20507732bed4"]);
    private static readonly Package Coverage = new("coverage", "4.5.1", ["sha256:03481e81d558d30d230bc12999e3edffe392d244349a90f4ef9b88425fac74ba", "sha256:0b136648de27201056c1869a6c0d4e23f464750fd9a9ba9750b8336a244429ed", "sha256:10a46017fef60e16694a30627319f38a2b9b52e90182dddb6e37dcdab0f4bf95"]);
    private static readonly Package Requests = new("requests", "2.18.4", ["sha256:6a1b267aa90cac58ac3a765d067950e7dbbf75b1da07e895d1f594193a40a38b", "sha256:9c443e7324ba5b85070c4a818ade28bfabedf16ea10206da1132edaa6dda237e"]);

    [Fact]
    public async Task A_relock_that_writes_the_same_hashes_in_another_order_and_moves_the_source_to_pypi_org_raises_nothing()
    {
        using var repo = new TestRepository();
        repo.Write("Pipfile", Pipfile).Write("Pipfile.lock", Lock(LegacySource, Pytest, Codecov)).Commit("pipfile");
        // requests' c6db8797: pipenv 11 wrote each package's hashes in another order, and the source as pypi.org.
        repo.Write("Pipfile.lock", Lock(PypiSource, Pytest with { Hashes = [.. Pytest.Hashes.Reverse()] }, Codecov with { Hashes = [.. Codecov.Hashes.Reverse()] })).Commit("bring Pipfile.lock up to date");

        var result = await Scan.RunAsync(repo.Path);

        Assert.Empty(result.Problems);
        Assert.Empty(DependencyFindings(result));
    }

    [Fact]
    public async Task A_lock_brought_up_to_date_with_earlier_pipfile_edits_and_a_lock_reverted_to_an_earlier_version_raise_nothing()
    {
        using var repo = new TestRepository();
        repo.Write("Pipfile", Pipfile).Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov)).Commit("pipfile / lock");
        // The Pipfile gains a package in one commit, and the lock catches up in a later one (coverage comes in with it).
        repo.Write("Pipfile", Pipfile.Replace("codecov = \"*\"", "codecov = \"*\"\npytest-cov = \"*\"", StringComparison.Ordinal)).Commit("add pytest-cov");
        repo.Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov, Coverage, new Package("pytest-cov", "2.5.1", ["sha256:03aa752cf11db41d281ea1d807d954c4eda35cfa1b21d6971966cc041bbf6e2d"]))).Commit("bring Pipfile.lock up to date with current constraints");
        // requests' 28208392 "revert lock change": the lock goes back to the content it had before.
        repo.Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov)).Commit("drop pytest-cov from the lock");
        repo.Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov, Coverage, new Package("pytest-cov", "2.5.1", ["sha256:03aa752cf11db41d281ea1d807d954c4eda35cfa1b21d6971966cc041bbf6e2d"]))).Commit("revert lock change");

        var result = await Scan.RunAsync(repo.Path);

        Assert.Empty(result.Problems);
        Assert.Empty(DependencyFindings(result));
    }

    [Fact]
    public async Task A_package_from_an_index_off_the_allowlist_added_to_the_lock_alone_is_reported_by_both_rules()
    {
        using var repo = new TestRepository();
        repo.Write("Pipfile", Pipfile).Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov)).Commit("pipfile / lock");
        var sources = PypiSource.Append(new Source("mirror", "https://pypi.mirror.example/simple/")).ToArray();
        var bad = repo.Write("Pipfile.lock", Lock(sources, Pytest, Codecov, Requests with { Index = "mirror" })).Commit("refresh lock", "Eve Intruder <eve@example.net>");

        var result = await Scan.RunAsync(repo.Path);

        var findings = DependencyFindings(result);
        Assert.Equal(
            [
                (Categories.UnexpectedNewDependency, Severity.Medium, "New transitive dependency requests@2.18.4 is unexpected"),
                (Categories.UntrustedSource, Severity.Medium, "requests@2.18.4 is resolved from an untrusted source"),
            ],
            findings.Select(f => (f.Rule, f.Severity, f.Title)));
        Assert.All(findings, f => Assert.Equal((bad, "Pipfile.lock", "requests"), (f.Location.Commit, f.Location.File, f.Evidence.Single(e => e.Name == "package").Value)));
        Assert.Contains("resolved from registry https://pypi.mirror.example/simple/: host pypi.mirror.example is not on the registry allowlist.", findings[1].Explanation, StringComparison.Ordinal);
        Assert.Contains("the lockfile changed but the manifest it is resolved from did not", findings[0].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hash_replaced_by_another_for_the_same_version_is_reported_high_and_a_hash_added_alone_is_not()
    {
        using var repo = new TestRepository();
        repo.Write("Pipfile", Pipfile).Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov)).Commit("pipfile / lock");
        // A new wheel of the same release: one hash more, the others kept.
        repo.Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov with { Hashes = [.. Codecov.Hashes, "sha256:1f2bd5ea05e2fc1d1e9d7e2b4e7de7b8e0e2dc4f2fc4a6c0e2b8a1b7d0f5c9e3"] })).Commit("relock");
        const string Tampered = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        var bad = repo.Write("Pipfile.lock", Lock(PypiSource, Pytest with { Hashes = [Pytest.Hashes[0], Tampered] }, Codecov with { Hashes = [.. Codecov.Hashes, "sha256:1f2bd5ea05e2fc1d1e9d7e2b4e7de7b8e0e2dc4f2fc4a6c0e2b8a1b7d0f5c9e3"] })).Commit("relock");

        var result = await Scan.RunAsync(repo.Path);

        var finding = Assert.Single(DependencyFindings(result));
        Assert.Equal((Categories.UntrustedSource, Severity.High, "pytest@3.5.1 is resolved from an untrusted source", bad), (finding.Rule, finding.Severity, finding.Title, finding.Location.Commit));
        Assert.Equal((Pytest.Hashes[1], Tampered), (finding.Evidence.Single(e => e.Name == "integrity_before").Value, finding.Evidence.Single(e => e.Name == "integrity_after").Value));
    }

    [Fact]
    public async Task A_package_slipped_into_the_lock_when_the_pipfile_did_not_change_since_the_last_lock_is_still_reported()
    {
        using var repo = new TestRepository();
        repo.Write("Pipfile", Pipfile).Write("Pipfile.lock", Lock(PypiSource, Pytest)).Commit("pipfile / lock");
        repo.Write("README.md", "# demo\n").Commit("readme");
        repo.Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov)).Commit("relock");
        var bad = repo.Write("Pipfile.lock", Lock(PypiSource, Pytest, Codecov, Requests)).Commit("relock", "Eve Intruder <eve@example.net>");

        var result = await Scan.RunAsync(repo.Path);

        var findings = DependencyFindings(result);
        Assert.Equal(
            [(Categories.UnexpectedNewDependency, "codecov", "New transitive dependency codecov@2.0.15 is unexpected"), (Categories.UnexpectedNewDependency, "requests", "New transitive dependency requests@2.18.4 is unexpected")],
            findings.Select(f => (f.Rule, f.Evidence.Single(e => e.Name == "package").Value, f.Title)));
        Assert.Equal(bad, findings[1].Location.Commit);
    }

    private static List<Finding> DependencyFindings(ScanResult result) =>
        [.. result.Findings.Where(f => f.Category.StartsWith("dependency.", StringComparison.Ordinal)).OrderBy(f => f.Rule, StringComparer.Ordinal).ThenBy(f => f.Title, StringComparer.Ordinal)];

    private static readonly Source[] LegacySource = [new(null, "https://pypi.python.org/simple")];

    private static readonly Source[] PypiSource = [new("pypi", "https://pypi.org/simple/")];

    /// <summary>A Pipfile.lock as pipenv writes it: <c>_meta</c> with the Pipfile's hash and the sources, the editable project in <c>default</c>, the test tools in <c>develop</c>.</summary>
    private static string Lock(Source[] sources, params Package[] develop)
    {
        var lockfile = new Dictionary<string, object>
        {
            ["_meta"] = new Dictionary<string, object>
            {
                ["hash"] = new Dictionary<string, string> { ["sha256"] = "0735b243455d8e924fbd05188ed435bfd3917f4acdade9b9e8f14741f3fc47e9" },
                ["pipfile-spec"] = 6,
                ["requires"] = new Dictionary<string, string>(),
                ["sources"] = sources.Select(s => s.Name is null
                    ? new Dictionary<string, object> { ["url"] = s.Url, ["verify_ssl"] = true }
                    : new Dictionary<string, object> { ["name"] = s.Name, ["url"] = s.Url, ["verify_ssl"] = true }).ToList(),
            },
            ["default"] = new Dictionary<string, object>
            {
                ["e1839a8"] = new Dictionary<string, object> { ["editable"] = true, ["extras"] = new[] { "socks" }, ["path"] = "." },
            },
            ["develop"] = develop.ToDictionary(p => p.Name, p => (object)(p.Index is null
                ? new Dictionary<string, object> { ["hashes"] = p.Hashes, ["version"] = "==" + p.Version }
                : new Dictionary<string, object> { ["hashes"] = p.Hashes, ["index"] = p.Index, ["version"] = "==" + p.Version })),
        };
        return JsonSerializer.Serialize(lockfile, Indented) + "\n";
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private sealed record Source(string? Name, string Url);

    private sealed record Package(string Name, string Version, string[] Hashes, string? Index = null);
}
