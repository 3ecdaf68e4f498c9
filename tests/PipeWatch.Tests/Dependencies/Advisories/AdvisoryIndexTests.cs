using System.IO.Compression;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using Microsoft.Data.Sqlite;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Advisories;

/// <summary>Published advisories imported into a real store, matched against the corpus's real lockfiles.</summary>
public sealed class AdvisoryIndexTests
{
    [Fact]
    public void Imported_advisories_find_exactly_the_affected_versions_in_real_lockfiles()
    {
        using var temp = new TempFolder();
        using var store = SqliteStore.Open(temp.File("store.db"));
        var problems = new ProblemLog();
        var result = store.ImportAdvisories(OsvArchive.Read(OsvFiles.Fixtures, problems), CancellationToken.None);
        Assert.Empty(problems.Problems);
        Assert.Equal(5, result.Imported);
        using var index = store.OpenAdvisoryIndex();

        var npm = new NpmPackageLockParser();
        var lodash = Assert.Single(VulnerabilityMatcher.Match(Lockfile.Packages(npm, "javascript", "packagelockjson", "files.v1.json"), index));
        Assert.Equal(("lodash", "1.3.1", "GHSA-p6mc-m468-83gw", "4.17.20"), (lodash.Dependency.Name, lodash.Dependency.Version, lodash.Advisory.Id, lodash.FixedIn));
        var yarn = Assert.Single(VulnerabilityMatcher.Match(Lockfile.Packages(new YarnLockParser(), "javascript", "yarnlock", "files.v1.lock"), index));
        Assert.Equal(("lodash", "1.3.1"), (yarn.Dependency.Name, yarn.Dependency.Version));
        Assert.Empty(VulnerabilityMatcher.Match(Lockfile.Packages(npm, "javascript", "packagelockjson", "nested-dependencies.v2.json"), index));

        var liteDb = Assert.Single(VulnerabilityMatcher.Match(Lockfile.Packages(new MsBuildPackageReferenceParser(), "dotnet", "csproj", "valid"), index));
        Assert.Equal(("LiteDB", "5.0.12", "GHSA-3x49-g6rc-c284", "5.0.13", PipeWatch.Findings.Severity.Critical), (liteDb.Dependency.Name, liteDb.Dependency.Version, liteDb.Advisory.Id, liteDb.FixedIn, liteDb.Advisory.Severity));
    }

    [Fact]
    public void A_store_of_version_4_is_upgraded_to_compact_ranges_and_still_matches()
    {
        using var temp = new TempFolder();
        var path = temp.File("store.db");
        // The store as version 4 left it: whole advisories (affected entries in the body) and bare package keys.
        var lodash = OsvFiles.Fixture("GHSA-p6mc-m468-83gw");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = string.Concat(Migrations.All.Take(4)) + """
                INSERT INTO advisories (id, modified, body) VALUES ($id, NULL, $body);
                INSERT INTO advisory_packages (ecosystem, name, advisory_id) VALUES ('npm', 'lodash', $id), ('npm', 'lodash-es', $id);
                PRAGMA user_version = 4;
                """;
            command.Parameters.AddWithValue("$id", lodash.Id);
            command.Parameters.AddWithValue("$body", AdvisoryJson.Write(lodash));
            command.ExecuteNonQuery();
        }

        using var store = SqliteStore.Open(path);
        using var index = store.OpenAdvisoryIndex();

        var match = Assert.Single(VulnerabilityMatcher.Match(Lockfile.Packages(new NpmPackageLockParser(), "javascript", "packagelockjson", "files.v1.json"), index));
        Assert.Equal(("lodash", "1.3.1", "GHSA-p6mc-m468-83gw", "4.17.20", "Prototype Pollution in lodash"), (match.Dependency.Name, match.Dependency.Version, match.Advisory.Id, match.FixedIn, match.Advisory.Summary));
        Assert.Equal(["lodash-es"], Assert.Single(index.For(Ecosystems.Npm, "lodash-es")).Affected.Select(a => a.Name));
        Assert.Empty(index.Advisory(lodash.Id)!.Affected);
    }

    [Fact]
    public void Compact_entries_read_back_as_written_with_events_in_version_order()
    {
        AffectedPackage[] entries =
        [
            new(Ecosystems.PyPI, "requests", [new AffectedRange("ECOSYSTEM", [new(RangeEventKind.Fixed, "2.20.0"), new(RangeEventKind.Introduced, "0"), new(RangeEventKind.Limit, "3.0"), new(RangeEventKind.LastAffected, "1.9"), new(RangeEventKind.Introduced, "1.0")])], ["2.19.0", "2.19.1"]),
            new(Ecosystems.PyPI, "Requests", [], []),
        ];

        var read = CompactAffected.Read(CompactAffected.Write(entries));

        Assert.Equal(2, read.Count);
        Assert.Equal(("requests", "ECOSYSTEM", true), (read[0].Name, read[0].Ranges[0].Type, read[0].Ranges[0].Sorted));
        Assert.Equal(
            ["Introduced 0", "Introduced 1.0", "LastAffected 1.9", "Fixed 2.20.0", "Limit 3.0"],
            read[0].Ranges[0].Events.Select(e => $"{e.Kind} {e.Version}"));
        Assert.Equal(["2.19.0", "2.19.1"], read[0].Versions);
        Assert.Equal(("Requests", 0, 0), (read[1].Name, read[1].Ranges.Count, read[1].Versions.Count));
        Assert.True(AffectedVersions.Contains(read[0], "1.5", out _));
        Assert.False(AffectedVersions.Contains(read[0], "2.0", out _));
        Assert.True(AffectedVersions.Contains(read[0], "2.19.1", out var fix));
        Assert.Equal("2.20.0", fix);
    }

    [Fact]
    public void The_boundary_versions_are_not_affected()
    {
        var index = new InMemoryAdvisoryIndex([OsvFiles.Fixture("GHSA-5crp-9r3c-p9vr"), OsvFiles.Fixture("GHSA-mrrh-fwg8-r2c3")]);
        Dependency[] packages =
        [
            new(Ecosystems.NuGet, "newtonsoft.json", "13.0.1", true, new DependencySource(SourceKind.Registry)),
            new(Ecosystems.NuGet, "Newtonsoft.Json", "12.0.3", true, new DependencySource(SourceKind.Registry)),
            new(Ecosystems.GitHubActions, "tj-actions/changed-files", "v46.0.1", true, DependencySource.Unknown),
            new(Ecosystems.GitHubActions, "tj-actions/changed-files", "v45.0.7", true, DependencySource.Unknown),
            new(Ecosystems.GitHubActions, "tj-actions/changed-files", "v35", true, DependencySource.Unknown),
        ];

        var matches = VulnerabilityMatcher.Match(packages, index);

        Assert.Equal(["Newtonsoft.Json@12.0.3", "tj-actions/changed-files@v45.0.7", "tj-actions/changed-files@v35"], matches.Select(m => $"{m.Dependency.Name}@{m.Dependency.Version}"));
    }

    [Fact]
    public void Withdrawn_records_are_removed_from_the_index_and_reimport_replaces_by_id()
    {
        using var temp = new TempFolder();
        using var store = SqliteStore.Open(temp.File("store.db"));
        var problems = new ProblemLog();
        var first = store.ImportAdvisories(OsvArchive.Read(Corpus.File("advisories", "osv-schema", "ghsa"), problems), CancellationToken.None);
        var again = store.ImportAdvisories(OsvArchive.Read(Corpus.File("advisories", "osv-schema", "ghsa"), problems), CancellationToken.None);
        using var index = store.OpenAdvisoryIndex();

        Assert.Equal((1, 1), (first.Withdrawn, again.Withdrawn));
        Assert.Equal(first.Imported, again.Imported);
        Assert.Equal(10, store.AdvisoryCount());
        Assert.Empty(index.For(Ecosystems.RubyGems, "activesupport"));
        Assert.Single(index.For(Ecosystems.PyPI, "Products.PluggableAuthService")); // PEP 503 name equivalence
    }

    [Fact]
    public void A_bad_file_in_a_folder_is_reported_and_the_rest_imported()
    {
        using var temp = new TempFolder();
        File.Copy(Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"), temp.File("good.json"));
        File.WriteAllText(temp.File("bad.json"), "{\n  \"id\": \"GHSA-x\",\n  oops\n}");
        var problems = new ProblemLog();

        var advisories = OsvArchive.Read(temp.Path, problems).ToList();

        Assert.Equal("GHSA-p6mc-m468-83gw", Assert.Single(advisories).Id);
        var problem = Assert.Single(problems.Problems);
        Assert.EndsWith("bad.json", problem.File, StringComparison.Ordinal);
        Assert.Equal(3, problem.Line);
    }

    [Fact]
    public void An_osv_all_zip_archive_is_read_entry_by_entry()
    {
        using var temp = new TempFolder();
        var zip = temp.File("all.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            foreach (var file in Directory.GetFiles(OsvFiles.Fixtures, "*.json")) archive.CreateEntryFromFile(file, Path.GetFileName(file));
        }

        var advisories = OsvArchive.Read(zip, new ProblemLog()).Select(a => a.Id).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["GHSA-3x49-g6rc-c284", "GHSA-5crp-9r3c-p9vr", "GHSA-mcph-m25j-8j63", "GHSA-mrrh-fwg8-r2c3", "GHSA-p6mc-m468-83gw"], advisories);
    }
}
