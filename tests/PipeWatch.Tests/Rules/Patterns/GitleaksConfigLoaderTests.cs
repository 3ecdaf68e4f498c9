using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class GitleaksConfigLoaderTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Rules", "Patterns", "Fixtures", "gitleaks");
    private static readonly GitleaksConfig Team = GitleaksConfigLoader.LoadFile(Path.Combine(Fixtures, "team.toml"));

    private static List<string> Find(SecretRuleBook book, string text, string path = "src/app.cfg", string? commit = "89abcdef0123456789abcdef0123456789abcdef") =>
        [.. book.Find(text, path, commit, line => text.Split('\n')[line - 1]).Select(h => $"{h.Rule.Id}:{h.Line}:{h.Secret}")];

    [Fact]
    public void A_team_config_loads_its_rules_over_the_defaults_minus_the_disabled_ones()
    {
        Assert.Empty(Team.Problems);
        var ids = Team.Rules.Rules.Select(r => r.Id).ToList();
        Assert.Contains("acme-service-token", ids);
        Assert.Contains("github-pat", ids);
        Assert.DoesNotContain("generic-secret-assignment", ids);
    }

    [Fact]
    public void Named_groups_posix_classes_secret_group_and_keywords_work_as_in_gitleaks()
    {
        var token = "acm_" + "Zq8Lr2Vw9Xk4Np7Ty3Hb6Jm1Cs5Gd0Fa";

        Assert.Equal([$"acme-service-token:2:{token}"], Find(Team.Rules, $"# service\nACME_TOKEN = \"{token}\"\n"));
    }

    [Fact]
    public void Entropy_and_the_rules_own_allowlists_drop_matches()
    {
        var low = "acm_" + new string('a', 32);
        var sample = "acm_" + new string('0', 32);
        var fake = "acm_" + "fakeLr2Vw9Xk4Np7Ty3Hb6Jm1Cs5Gd0F";

        Assert.Empty(Find(Team.Rules, $"acme_token={low}"));
        Assert.Empty(Find(Team.Rules, $"acme_token={sample}"));
        Assert.Empty(Find(Team.Rules, $"acme_token={fake}", path: "test/fixtures.env"));

        // AND: the stopword alone, outside test/, does not allow it.
        Assert.Single(Find(Team.Rules, $"acme_token={fake}", path: "src/app.env"));
    }

    [Fact]
    public void A_rule_path_limits_where_it_applies_and_a_path_only_rule_reports_the_file()
    {
        var text = "db.password = Sup3rS3cretPassw0rd!\n";

        Assert.Equal(["acme-db-password:1:Sup3rS3cretPassw0rd!"], Find(Team.Rules, text, path: "conf/app.properties"));
        Assert.Empty(Find(Team.Rules, text, path: "conf/app.yml"));
        Assert.Equal(["pkcs12-file:1:certs/signing.p12"], Find(Team.Rules, "binary-ish", path: "certs/signing.p12"));
    }

    [Fact]
    public void The_global_allowlist_holds_paths_regexes_stopwords_and_commits()
    {
        const string Token = "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";

        Assert.Single(Find(Team.Rules, $"GH_TOKEN={Token}"));
        Assert.True(Team.Rules.Skips("vendor/lib/config.js", null));
        Assert.True(Team.Rules.Skips("src/app.cfg", "0123456789abcdef0123456789abcdef01234567"));
        Assert.Empty(Find(Team.Rules, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"));
        Assert.Empty(Find(Team.Rules, "acme_token=acm_dummyr2Vw9Xk4Np7Ty3Hb6Jm1Cs5Gd0F"));
    }

    [Fact]
    public void The_legacy_layout_reads_a_singular_rule_allowlist_and_rules_without_keywords()
    {
        var legacy = GitleaksConfigLoader.LoadFile(Path.Combine(Fixtures, "legacy.toml"));

        Assert.Empty(legacy.Problems);
        Assert.Equal(["legacy-api-key:2:0a1b2c3d4e5f60718293a4b5"], Find(legacy.Rules, "x=1\nlegacy_key=0a1b2c3d4e5f60718293a4b5\n"));
        Assert.Empty(Find(legacy.Rules, "legacy_key=0a1b2c3d4e5f60718293a4b5 # not-a-secret"));
    }

    [Fact]
    public void Extend_path_reads_a_base_config_and_target_rules_attach_a_global_allowlist_to_named_rules()
    {
        using var folder = new PipeWatch.Tests.Support.TempFolder();
        File.WriteAllText(folder.File("base.toml"), """
            [[rules]]
            id = "base-key"
            regex = '''base_key=([a-z0-9]{16})'''
            keywords = ["base_key="]
            """);
        File.WriteAllText(folder.File("team.toml"), """
            [extend]
            path = "base.toml"

            [[rules]]
            id = "team-key"
            regex = '''team_key=([a-z0-9]{16})'''
            keywords = ["team_key="]

            [[allowlists]]
            targetRules = ["team-key"]
            stopwords = ["fixture"]
            """);

        var config = GitleaksConfigLoader.LoadFile(folder.File("team.toml"));

        Assert.Empty(config.Problems);
        Assert.Equal(["base-key:1:q8w7e6r5t4y3u2i1", "team-key:2:q8w7e6r5t4y3u2i1"], Find(config.Rules, "base_key=q8w7e6r5t4y3u2i1\nteam_key=q8w7e6r5t4y3u2i1"));
        Assert.Equal(["base-key:1:fixture1234abcde"], Find(config.Rules, "base_key=fixture1234abcde\nteam_key=fixture1234abcde"));
    }

    [Fact]
    public void Every_problem_is_reported_with_the_file_line_and_rule()
    {
        var config = GitleaksConfigLoader.Parse(
            """
            [[rules]]
            id = "no-pattern"
            description = "neither regex nor path"

            [[rules]]
            id = "bad-group"
            regex = '''key=(\w+)'''
            secretGroup = 3

            [[rules]]
            description = "no id"
            regex = '''x'''
            """,
            "broken.toml");

        Assert.Equal(
            [
                "broken.toml:2: rule 'no-pattern': needs a 'regex' or a 'path'",
                "broken.toml:6: rule 'bad-group': 'secretGroup' 3 is not a group of the regex",
                "broken.toml: rules[2]: missing 'id'",
            ],
            config.Problems.Select(p => p.ToString()));
        Assert.Empty(config.Rules.Rules);
    }

    [Fact]
    public void Text_that_is_not_toml_is_one_problem_naming_the_file()
    {
        var config = GitleaksConfigLoader.Parse("[[rules]\nid = ", "oops.toml");

        var problem = Assert.Single(config.Problems);
        Assert.StartsWith("oops.toml", problem.ToString(), StringComparison.Ordinal);
        Assert.Contains("not valid TOML", problem.Reason, StringComparison.Ordinal);
    }
}
