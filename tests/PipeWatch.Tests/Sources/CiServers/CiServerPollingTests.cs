using System.Text;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.CiServers;

/// <summary>
/// <c>pipewatch inventory poll</c> against loopback stand-ins for Jenkins, GitLab and GitHub that check each documented request
/// and answer with real-format JSON (written from the APIs' documentation): the inventory holds the places, and the published
/// advisories imported into the store give exactly their findings.
/// </summary>
public sealed class CiServerPollingTests : IDisposable
{
    private const string JenkinsToken = "not-a-real-jenkins-token-one";
    private const string GitLabToken = "not-a-real-gitlab-token-two";
    private const string GitHubToken = "not-a-real-github-token-three";
    private static readonly string Fixtures = Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Sources", "CiServers", "Fixtures");
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public CiServerPollingTests() => _cli = new CliRunner(_temp.Path, new Dictionary<string, string>
    {
        ["JENKINS_TOKEN"] = JenkinsToken, ["GITLAB_TOKEN"] = GitLabToken, ["RUNNERS_TOKEN"] = GitHubToken,
    });

    public void Dispose() => _temp.Dispose();

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(Fixtures, name));

    private static LoopbackHttpServer Jenkins(string coreVersion, string plugins) => new(r =>
        r.Path switch
        {
            "/api/json?tree=mode" => new HttpReply(200, """{"_class":"hudson.model.Hudson","mode":"NORMAL"}""", new Dictionary<string, string> { ["X-Jenkins"] = coreVersion }),
            "/pluginManager/api/json?depth=1" => new HttpReply(200, plugins, new Dictionary<string, string> { ["X-Jenkins"] = coreVersion }),
            _ => new HttpReply(404, "{}"),
        });

    private void Config(string entries) => File.WriteAllText(_temp.File("pipewatch.yml"), $"serve:\n  ci-servers:\n{entries}");

    private async Task ImportAsync(params string[] advisories)
    {
        foreach (var id in advisories) Assert.Equal(0, (await _cli.RunAsync("vulndb", "import", Path.Combine(Fixtures, $"{id}.json"), "--store", "pw.db")).ExitCode);
    }

    private List<InventoryEntry> Inventory()
    {
        using var store = SqliteStore.Open(_temp.File("pw.db"));
        return [.. store.Entries()];
    }

    private List<Finding> Stored()
    {
        using var store = SqliteStore.Open(_temp.File("pw.db"));
        return [.. store.QueryFindings(new PipeWatch.Store.FindingQuery())];
    }

    [Fact]
    public async Task A_jenkins_running_an_affected_core_and_plugin_gives_exactly_their_findings_and_its_inventory()
    {
        await using var jenkins = Jenkins("2.452.3", Fixture("jenkins-plugin-manager.json"));
        Config($"    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n");
        await ImportAsync("GHSA-h856-ffvv-xvr4", "GHSA-vph5-2q33-7r9h");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"high\tgit-server@99.va_0826a_b_cdfa_d on ci-server {jenkins.Url} is affected by GHSA-vph5-2q33-7r9h (CVE-2024-23899)",
                $"high\torg.jenkins-ci.main:jenkins-core@2.452.3 on ci-server {jenkins.Url} is affected by GHSA-h856-ffvv-xvr4 (CVE-2024-43044)",
            ],
            result.OutputLines.Order(StringComparer.Ordinal));
        // The documented requests: the version header's answer, then the plugin list, each with basic authentication by the API token.
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"pipewatch:{JenkinsToken}"));
        Assert.Equal(
            [("GET", "/api/json?tree=mode", basic), ("GET", "/pluginManager/api/json?depth=1", basic)],
            jenkins.Requests.Select(r => (r.Method, r.Path, r.Headers["Authorization"])));

        // The place holds the core and the plugins that run or will run (the disabled, inactive LDAP plugin is left out).
        Assert.Equal(
            [
                ("ci-server", jenkins.Url, "Jenkins plugin", "git-client", "4.6.0"),
                ("ci-server", jenkins.Url, "Jenkins plugin", "git-server", "99.va_0826a_b_cdfa_d"),
                ("ci-server", jenkins.Url, "Jenkins plugin", "script-security", "1336.vf33a_a_9863911"),
                ("ci-server", jenkins.Url, "Maven", "org.jenkins-ci.main:jenkins-core", "2.452.3"),
            ],
            Inventory().Select(e => (e.Place.KindText, e.Place.Id, e.Item.Ecosystem, e.Item.Name, e.Item.Version)).Order());
        var plugin = Assert.Single(Stored(), f => f.Title.StartsWith("git-server@", StringComparison.Ordinal));
        Assert.Equal((Categories.CiInfrastructureVulnerability, Severity.High), (plugin.Category, plugin.Severity));
        Assert.Equal($"{jenkins.Url}/pluginManager/api/json", plugin.Location.File);
        Assert.Equal("99.101.v720e86326c09", plugin.Evidence.Single(e => e.Name == "fixed_in").Value);
        Assert.StartsWith($"ci-server {jenkins.Url} runs Jenkins plugin package git-server 99.va_0826a_b_cdfa_d (stated by pluginManager/api/json); advisory GHSA-vph5-2q33-7r9h (high, CVSS 8.8)", plugin.Explanation, StringComparison.Ordinal);

        // Polled again, unchanged: nothing new.
        var again = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");
        Assert.Equal((0, ""), (again.ExitCode, again.Output));
        Assert.Equal(2, Stored().Count);
    }

    [Fact]
    public async Task A_poll_sends_its_new_findings_through_the_alert_routes_and_a_second_poll_sends_none()
    {
        await using var jenkins = Jenkins("2.452.3", Fixture("jenkins-plugin-manager.json"));
        await using var hook = new LoopbackHttpServer(_ => new HttpReply(200));
        File.WriteAllText(
            _temp.File("pipewatch.yml"),
            $"serve:\n  ci-servers:\n    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n"
            + $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {hook.Url}/pipewatch\n");
        await ImportAsync("GHSA-h856-ffvv-xvr4", "GHSA-vph5-2q33-7r9h");

        var first = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");
        var sentFirst = hook.Requests.Count;
        var again = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal((1, 0), (first.ExitCode, again.ExitCode));
        Assert.True(sentFirst > 0, "the route had sent nothing when the first poll returned");
        var alerts = hook.Requests.SelectMany(r =>
        {
            using var json = r.Json();
            return json.RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("finding").GetProperty("fingerprint").GetString()!).ToList();
        }).ToList();
        Assert.Equal(sentFirst, hook.Requests.Count);
        Assert.Equal(Stored().Select(f => f.Fingerprint).Order(StringComparer.Ordinal), alerts.Order(StringComparer.Ordinal));
        Assert.Equal(2, alerts.Count);
    }

    [Fact]
    public async Task A_plugin_published_under_io_jenkins_plugins_is_matched_by_its_short_name_and_its_fixed_version_is_not()
    {
        // Jenkins names the plugin by its short name only; the advisory names the Maven package io.jenkins.plugins:miniorange-saml-sp.
        await using var affected = Jenkins("2.462.3", Plugins(("miniorange-saml-sp", "2.0.0"), ("git-server", "117.veb_68868fa_027")));
        await using var fixedOne = Jenkins("2.462.3", Plugins(("miniorange-saml-sp", "2.0.1")));
        Config($"    - jenkins: {affected.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n    - jenkins: {fixedOne.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n");
        await ImportAsync("GHSA-w88f-j9rc-h7v3");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"medium\tminiorange-saml-sp@2.0.0 on ci-server {affected.Url} is affected by GHSA-w88f-j9rc-h7v3 (CVE-2023-32996)"], result.OutputLines);
        var finding = Assert.Single(Stored());
        Assert.Equal((Categories.CiInfrastructureVulnerability, "2.0.1"), (finding.Category, finding.Evidence.Single(e => e.Name == "fixed_in").Value));
    }

    [Fact]
    public async Task An_io_jenkins_plugins_advisory_imported_after_the_poll_is_re_matched_to_the_plugin()
    {
        await using var jenkins = Jenkins("2.462.3", Plugins(("miniorange-saml-sp", "1.0.19"), ("git-server", "117.veb_68868fa_027")));
        Config($"    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n");
        Assert.Equal(0, (await _cli.RunAsync("inventory", "poll", "--store", "pw.db")).ExitCode);

        var later = await _cli.RunAsync("vulndb", "import", Path.Combine(Fixtures, "GHSA-w88f-j9rc-h7v3.json"), "--store", "pw.db");

        Assert.Equal(0, later.ExitCode);
        Assert.Equal(["medium\tGHSA-w88f-j9rc-h7v3 (CVE-2023-32996) affects miniorange-saml-sp 1.0.19 in 1 place"], later.OutputLines);
        var finding = Assert.Single(Stored());
        Assert.Equal($"ci-server {jenkins.Url}", finding.Evidence.Single(e => e.Name == "places").Value);
        Assert.Equal(Categories.CiInfrastructureVulnerability, finding.Category);
    }

    [Fact]
    public async Task Inventory_jenkins_reads_one_server_once_with_the_token_from_a_file()
    {
        await using var jenkins = Jenkins("2.452.3", Fixture("jenkins-plugin-manager.json"));
        await ImportAsync("GHSA-h856-ffvv-xvr4", "GHSA-vph5-2q33-7r9h");
        File.WriteAllText(_temp.File("jenkins-token"), JenkinsToken + "\n");

        var result = await _cli.RunAsync("inventory", "jenkins", jenkins.Url + "/", "--user", "pipewatch", "--token-file", "jenkins-token", "--store", "pw.db");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"high\tgit-server@99.va_0826a_b_cdfa_d on ci-server {jenkins.Url} is affected by GHSA-vph5-2q33-7r9h (CVE-2024-23899)",
                $"high\torg.jenkins-ci.main:jenkins-core@2.452.3 on ci-server {jenkins.Url} is affected by GHSA-h856-ffvv-xvr4 (CVE-2024-43044)",
            ],
            result.OutputLines.Order(StringComparer.Ordinal));
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"pipewatch:{JenkinsToken}"));
        Assert.Equal(
            [("GET", "/api/json?tree=mode", basic), ("GET", "/pluginManager/api/json?depth=1", basic)],
            jenkins.Requests.Select(r => (r.Method, r.Path, r.Headers["Authorization"])));
        Assert.Equal(4, Inventory().Count(e => e.Place.Id == jenkins.Url));
        Assert.DoesNotContain(JenkinsToken, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inventory_gitlab_reads_one_server_once_with_the_token_from_the_named_variable()
    {
        await using var gitlab = new LoopbackHttpServer(r => r.Path switch
        {
            "/api/v4/version" => new HttpReply(200, Fixture("gitlab-version.json")),
            "/api/v4/runners/all?per_page=100&page=1" => new HttpReply(200, "[]", new Dictionary<string, string> { ["X-Page"] = "1", ["X-Next-Page"] = "" }),
            _ => new HttpReply(404, """{"message":"404 Not found"}"""),
        });

        var result = await _cli.RunAsync("inventory", "gitlab", gitlab.Url, "--token-env", "GITLAB_TOKEN", "--store", "pw.db");

        Assert.Equal((0, ""), (result.ExitCode, result.Output));
        Assert.Equal(["/api/v4/version", "/api/v4/runners/all?per_page=100&page=1"], gitlab.Requests.Select(r => r.Path));
        Assert.All(gitlab.Requests, r => Assert.Equal(GitLabToken, r.Headers["PRIVATE-TOKEN"]));
        Assert.Equal([("ci-server", gitlab.Url, "GitLab", "gitlab-ee", "17.9.1")], Inventory().Select(e => (e.Place.KindText, e.Place.Id, e.Item.Ecosystem, e.Item.Name, e.Item.Version)));
    }

    [Fact]
    public async Task Inventory_jenkins_refuses_two_token_sources_a_missing_token_file_an_unset_variable_and_a_url_with_credentials()
    {
        await using var jenkins = Jenkins("2.452.3", Fixture("jenkins-plugin-manager.json"));
        File.WriteAllText(_temp.File("jenkins-token"), JenkinsToken);

        var both = await _cli.RunAsync("inventory", "jenkins", jenkins.Url, "--token-env", "JENKINS_TOKEN", "--token-file", "jenkins-token", "--store", "pw.db");
        var missing = await _cli.RunAsync("inventory", "jenkins", jenkins.Url, "--token-file", "no-such-token", "--store", "pw.db");
        var credentials = await _cli.RunAsync("inventory", "jenkins", jenkins.Url.Replace("http://", "http://admin:secret@", StringComparison.Ordinal), "--store", "pw.db");
        var unset = await _cli.RunAsync("inventory", "jenkins", jenkins.Url, "--user", "pipewatch", "--token-env", "PIPEWATCH_TEST_UNSET_TOKEN", "--store", "pw.db");

        Assert.Equal((2, "pipewatch: give --token-env or --token-file, not both"), (both.ExitCode, both.ErrorLines[^1]));
        Assert.Equal((2, "pipewatch: --token-file no-such-token: no such file"), (missing.ExitCode, missing.ErrorLines[^1]));
        Assert.Equal(2, credentials.ExitCode);
        Assert.StartsWith("pipewatch: URL: expected an http(s) URL without credentials or query", credentials.ErrorLines[^1], StringComparison.Ordinal);
        Assert.Equal(2, unset.ExitCode);
        Assert.Contains("PIPEWATCH_TEST_UNSET_TOKEN is not set", unset.Error, StringComparison.Ordinal);
        Assert.Empty(jenkins.Requests);
    }

    /// <summary>A <c>/pluginManager/api/json?depth=1</c> answer with these plugins, each active and enabled.</summary>
    private static string Plugins(params (string ShortName, string Version)[] plugins) =>
        "{\"_class\":\"hudson.LocalPluginManager\",\"plugins\":["
        + string.Join(",", plugins.Select(p => $"{{\"active\":true,\"enabled\":true,\"bundled\":false,\"deleted\":false,\"dependencies\":[],\"longName\":\"{p.ShortName}\",\"shortName\":\"{p.ShortName}\",\"url\":\"https://plugins.jenkins.io/{p.ShortName}\",\"version\":\"{p.Version}\"}}"))
        + "]}";

    [Fact]
    public async Task A_jenkins_at_fixed_versions_raises_nothing_and_is_still_inventoried()
    {
        var fixedPlugins = Fixture("jenkins-plugin-manager.json").Replace("99.va_0826a_b_cdfa_d", "126.v0d945d8d2b_39", StringComparison.Ordinal);
        await using var jenkins = Jenkins("2.452.4", fixedPlugins);
        Config($"    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n");
        await ImportAsync("GHSA-h856-ffvv-xvr4", "GHSA-vph5-2q33-7r9h", "GHSA-xh9c-vcf9-h94m");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal((0, ""), (result.ExitCode, result.Output));
        Assert.Contains($"{jenkins.Url}: 1 place, 4 components", result.Error, StringComparison.Ordinal);
        Assert.Empty(Stored());
        Assert.Equal(4, Inventory().Count);
    }

    [Fact]
    public async Task An_advisory_imported_later_is_matched_against_the_polled_server_by_the_rematch()
    {
        await using var jenkins = Jenkins("2.452.4", Fixture("jenkins-plugin-manager.json"));
        Config($"    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n");
        await ImportAsync("GHSA-vph5-2q33-7r9h");
        Assert.Equal(1, (await _cli.RunAsync("inventory", "poll", "--store", "pw.db")).ExitCode);

        // A month later the permission-check advisory is published for the same plugin.
        var later = await _cli.RunAsync("vulndb", "import", Path.Combine(Fixtures, "GHSA-xh9c-vcf9-h94m.json"), "--store", "pw.db");

        Assert.Equal(0, later.ExitCode);
        Assert.Equal([$"medium\tGHSA-xh9c-vcf9-h94m (CVE-2024-34146) affects git-server 99.va_0826a_b_cdfa_d in 1 place"], later.OutputLines);
        var grouped = Assert.Single(Stored(), f => f.Evidence.Any(e => e.Name == "advisory" && e.Value == "GHSA-xh9c-vcf9-h94m"));
        Assert.Equal(Categories.CiInfrastructureVulnerability, grouped.Category);
        Assert.Equal($"ci-server {jenkins.Url}", grouped.Evidence.Single(e => e.Name == "places").Value);

        // The advisory the poll reported is not reported again by a re-match of it.
        var reimport = await _cli.RunAsync("vulndb", "import", Path.Combine(Fixtures, "GHSA-vph5-2q33-7r9h.json"), "--store", "pw.db", "--rematch", "pw.db");
        Assert.Equal("", reimport.Output);
        Assert.Equal(2, Stored().Count);
    }

    [Fact]
    public async Task A_refused_token_and_an_unreachable_server_are_problems_naming_the_server_without_the_token()
    {
        await using var refusing = new LoopbackHttpServer(_ => new HttpReply(401, """{"message":"401 Unauthorized"}"""));
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var deadPort = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        Config($"    - jenkins: {refusing.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n    - gitlab: http://127.0.0.1:{deadPort}\n      token: ${{env:GITLAB_TOKEN}}\n");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"pipewatch: {refusing.Url}: api/json?tree=mode: HTTP 401 (check the user and its API token", result.Error, StringComparison.Ordinal);
        Assert.Contains($"pipewatch: http://127.0.0.1:{deadPort}: api/v4/version: unreachable (", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(JenkinsToken, result.Error + result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(GitLabToken, result.Error + result.Output, StringComparison.Ordinal);
        Assert.Empty(Inventory());
    }

    [Fact]
    public async Task A_gitlab_instance_and_its_runners_are_inventoried_from_runner_details_and_managers()
    {
        await using var gitlab = new LoopbackHttpServer(r => r.Path switch
        {
            "/api/v4/version" => new HttpReply(200, Fixture("gitlab-version.json")),
            "/api/v4/runners/all?per_page=100&page=1" => new HttpReply(200, Fixture("gitlab-runners-all.json"), new Dictionary<string, string> { ["X-Page"] = "1", ["X-Next-Page"] = "" }),
            "/api/v4/runners/42" => new HttpReply(200, Fixture("gitlab-runner-42.json")),
            "/api/v4/runners/43" => new HttpReply(200, Fixture("gitlab-runner-43.json")),
            "/api/v4/runners/43/managers" => new HttpReply(200, Fixture("gitlab-runner-43-managers.json")),
            _ => new HttpReply(404, """{"message":"404 Not found"}"""),
        });
        Config($"    - gitlab: {gitlab.Url}\n      token: ${{env:GITLAB_TOKEN}}\n");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal((0, ""), (result.ExitCode, result.Output));
        Assert.Equal(
            ["/api/v4/version", "/api/v4/runners/all?per_page=100&page=1", "/api/v4/runners/42", "/api/v4/runners/43", "/api/v4/runners/43/managers"],
            gitlab.Requests.Select(r => r.Path));
        Assert.All(gitlab.Requests, r => Assert.Equal(GitLabToken, r.Headers["PRIVATE-TOKEN"]));
        Assert.Equal(
            [
                ("ci-server", gitlab.Url, "GitLab", "gitlab-ee", "17.9.1", "api/v4/version"),
                ("runner", $"{gitlab.Url}/admin/runners/42", "Go", "gitlab.com/gitlab-org/gitlab-runner", "v16.11.0", "api/v4/runners/42 (linux/amd64)"),
                ("runner", $"{gitlab.Url}/admin/runners/43", "Go", "gitlab.com/gitlab-org/gitlab-runner", "v17.8.0", "api/v4/runners/43/managers/s_c3d9e07a11f2 (linux/arm64)"),
                ("runner", $"{gitlab.Url}/admin/runners/43", "Go", "gitlab.com/gitlab-org/gitlab-runner", "v17.9.1", "api/v4/runners/43/managers/s_8a2f6c1e0b4d (linux/arm64)"),
            ],
            Inventory().Select(e => (e.Place.KindText, e.Place.Id, e.Item.Ecosystem, e.Item.Name, e.Item.Version, e.Item.Path)).Order());
    }

    [Fact]
    public async Task A_token_without_runner_access_still_records_the_gitlab_version_and_says_what_the_token_needs()
    {
        await using var gitlab = new LoopbackHttpServer(r => r.Path == "/api/v4/version"
            ? new HttpReply(200, Fixture("gitlab-version.json"))
            : new HttpReply(403, """{"message":"403 Forbidden"}"""));
        Config($"    - gitlab: {gitlab.Url}\n      token: ${{env:GITLAB_TOKEN}}\n");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"pipewatch: {gitlab.Url}: api/v4/runners/all?per_page=100&page=1: HTTP 403 (check the token; listing every runner needs an administrator or auditor token", result.Error, StringComparison.Ordinal);
        Assert.Equal([("ci-server", "gitlab-ee", "17.9.1")], Inventory().Select(e => (e.Place.KindText, e.Item.Name, e.Item.Version)));
    }

    [Fact]
    public async Task Github_self_hosted_runners_are_listed_as_places_without_a_version_the_api_does_not_give()
    {
        await using var github = new LoopbackHttpServer(r => r.Path == "/orgs/acme/actions/runners?per_page=100&page=1"
            ? new HttpReply(200, Fixture("github-org-runners.json"))
            : new HttpReply(404, """{"message":"Not Found"}"""));
        Config($"    - github-organization: acme\n      api-url: {github.Url}\n      token: ${{env:RUNNERS_TOKEN}}\n");
        // The runner advisory is in the store: a runner without a stated version is never matched against it.
        Assert.Equal(0, (await _cli.RunAsync("vulndb", "import", Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Detectors", "Dependencies", "Fixtures", "GHSA-2c6m-6gqh-6qg3.json"), "--store", "pw.db")).ExitCode);

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal((0, ""), (result.ExitCode, result.Output));
        var request = Assert.Single(github.Requests);
        Assert.Equal(($"Bearer {GitHubToken}", "2022-11-28", "application/vnd.github+json"), (request.Headers["Authorization"], request.Headers["X-GitHub-Api-Version"], request.Headers["Accept"]));
        Assert.Equal(
            [
                ("runner", "github:orgs/acme/runners/linux-build-01", "actions/runner", "", "actions/runners/23 (linux; labels self-hosted, X64, Linux, gpu)"),
                ("runner", "github:orgs/acme/runners/mac-mini-2", "actions/runner", "", "actions/runners/24 (macos; labels self-hosted, ARM64, macOS)"),
            ],
            Inventory().Select(e => (e.Place.KindText, e.Place.Id, e.Item.Name, e.Item.Version, e.Item.Path)).Order());
        Assert.Empty(Stored());
    }

    [Fact]
    public async Task A_token_written_in_the_file_is_refused()
    {
        Config("    - jenkins: https://jenkins.example.com\n      user: pipewatch\n      token: written-in-the-file\n");

        var result = await _cli.RunAsync("inventory", "poll", "--store", "pw.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("serve.ci-servers[0].token: give the token as ${env:NAME} (a token written in pipewatch.yml is refused)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("written-in-the-file", result.Error, StringComparison.Ordinal);
    }
}
