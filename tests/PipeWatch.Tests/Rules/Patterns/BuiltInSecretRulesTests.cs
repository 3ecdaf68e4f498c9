using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class BuiltInSecretRulesTests
{
    private static readonly SecretRuleSet BuiltIn = SecretRuleLoader.LoadBuiltIn();
    private static readonly SecretScanner Scanner = new(BuiltIn.Rules);

    public static TheoryData<string, int> MatchExamples() => Examples(rule => rule.MatchExamples);

    public static TheoryData<string, int> NoMatchExamples() => Examples(rule => rule.NoMatchExamples);

    private static TheoryData<string, int> Examples(Func<SecretRule, IReadOnlyList<string>> side)
    {
        var data = new TheoryData<string, int>();
        foreach (var rule in BuiltIn.Rules)
        {
            for (var i = 0; i < side(rule).Count; i++) data.Add(rule.Id, i);
        }

        return data;
    }

    private static SecretRule Rule(string id) => BuiltIn.Rules.Single(r => r.Id == id);

    [Fact]
    public void The_built_in_rules_load_without_a_problem_and_number_at_least_sixty()
    {
        Assert.Empty(BuiltIn.Problems);
        Assert.True(BuiltIn.Rules.Count >= 60, $"{BuiltIn.Rules.Count} rules");
    }

    [Fact]
    public void The_book_every_scan_uses_holds_exactly_the_rules_the_proven_load_gives()
    {
        // SecretRuleBook.BuiltIn loads the embedded files without running the examples (start-up); this load ran them.
        static IEnumerable<string> Shape(IEnumerable<SecretRule> rules) => rules.Select(r =>
            $"{r.Id}|{r.Pattern}|{string.Join(',', r.Keywords)}|{r.SecretGroup}|{r.Entropy}|{r.Severity}|{r.Checksum}|{r.Window}|{r.MatchExamples.Count}|{r.NoMatchExamples.Count}");

        Assert.Equal(Shape(BuiltIn.Rules), Shape(SecretRuleBook.BuiltIn.Rules));
        Assert.Equal(Shape(BuiltIn.Rules), Shape(SecretRuleLoader.LoadBuiltIn(prove: false).Rules));
        Assert.Empty(SecretRuleLoader.LoadBuiltIn(prove: false).Problems);
    }

    [Fact]
    public void The_book_every_scan_uses_parses_a_rule_s_regex_only_when_a_keyword_of_the_rule_first_hits()
    {
        // Start-up: most of the built-in rules never see a keyword of theirs in a scan, so their regexes are never parsed.
        var rules = SecretRuleLoader.LoadBuiltIn(prove: false).Rules;
        Assert.All(rules, rule => Assert.False(rule.IsPatternBuilt, rule.Id));
        var text = "const db = 1;\nconst gh = '" + Rule("github-pat").MatchExamples[0] + "';\n";

        var found = new SecretScanner(rules).Scan(text);

        Assert.Equal(Scanner.Scan(text), found);
        Assert.Contains(found, match => match.RuleId == "github-pat");
        Assert.True(rules.Single(r => r.Id == "github-pat").IsPatternBuilt);
        Assert.False(rules.Single(r => r.Id == "stripe-secret-key").IsPatternBuilt);
        Assert.Equal(Rule("github-pat").SecretGroup, rules.Single(r => r.Id == "github-pat").SecretGroup);
    }

    [Theory]
    [InlineData("AWS access key id and secret pair", "aws-access-key-id aws-secret-access-key aws-secret-key-near-key-id")]
    [InlineData("GCP service-account JSON and API keys", "gcp-service-account-key gcp-api-key")]
    [InlineData("Azure storage, connection strings, client secrets", "azure-storage-connection-string azure-storage-account-key azure-ad-client-secret azure-client-secret-assignment")]
    [InlineData("GitHub ghp_ gho_ ghu_ ghs_ ghr_ github_pat_", "github-pat github-oauth-token github-user-to-server-token github-app-installation-token github-refresh-token github-fine-grained-pat")]
    [InlineData("GitLab glpat- and friends", "gitlab-pat gitlab-deploy-token gitlab-runner-auth-token gitlab-pipeline-trigger-token gitlab-feed-token")]
    [InlineData("package registries", "npm-access-token pypi-upload-token nuget-api-key docker-hub-token")]
    [InlineData("Slack tokens and webhooks", "slack-bot-token slack-user-token slack-webhook-url")]
    [InlineData("Stripe, Twilio, SendGrid", "stripe-secret-key twilio-api-key sendgrid-api-key")]
    [InlineData("OpenAI, Anthropic, Hugging Face", "openai-api-key anthropic-api-key huggingface-token")]
    [InlineData("JWT and private keys", "jwt private-key-pem openssh-private-key pgp-private-key")]
    [InlineData("URLs with credentials", "postgres-url-with-password mysql-url-with-password mongodb-url-with-password basic-auth-url")]
    [InlineData("generic assignments gated by entropy", "generic-secret-assignment generic-secret-env")]
    public void Each_provider_the_issue_names_has_its_rules(string provider, string ids)
    {
        Assert.All(ids.Split(' '), id => Assert.True(BuiltIn.Rules.Any(r => r.Id == id), $"{provider}: no rule '{id}'"));
        Assert.All(ids.Split(' ').Where(id => id.StartsWith("generic-", StringComparison.Ordinal)), id => Assert.NotNull(Rule(id).Entropy));
    }

    [Fact]
    public void The_github_tokens_with_a_published_checksum_are_checked_by_it()
    {
        Assert.All(
            ["github-pat", "github-oauth-token", "github-user-to-server-token", "github-app-installation-token", "github-refresh-token"],
            id => Assert.Equal(SecretChecksum.GitHubCrc32, Rule(id).Checksum));
    }

    [Theory]
    [MemberData(nameof(MatchExamples))]
    public void Each_match_example_is_found_by_its_rule_among_all_the_built_in_rules(string ruleId, int index)
    {
        var example = Rule(ruleId).MatchExamples[index];

        var matches = Scanner.Scan(example);

        Assert.Contains(matches, m => m.RuleId == ruleId);
    }

    [Theory]
    [MemberData(nameof(NoMatchExamples))]
    public void Each_no_match_example_is_not_found_by_its_rule(string ruleId, int index)
    {
        var example = Rule(ruleId).NoMatchExamples[index];

        var matches = Scanner.Scan(example);

        Assert.DoesNotContain(matches, m => m.RuleId == ruleId);
    }

    [Fact]
    public void This_repository_s_own_sources_and_docs_raise_nothing()
    {
        var root = RepositoryRoot();
        string[] folders = ["src", "bench", "docs"];
        var files = folders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(f => Path.GetExtension(f) is ".cs" or ".md" or ".csproj")
            .Append(Path.Combine(root, "README.md"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);

        var found = files
            .SelectMany(f => Scanner.Scan(File.ReadAllText(f)).Select(m => $"{Path.GetRelativePath(root, f)}:{m.Line}:{m.Column} {m.RuleId}"))
            .ToList();

        Assert.Empty(found);
    }

    [Fact]
    public void A_match_reports_the_rule_line_column_and_secret_span()
    {
        var token = Rule("github-pat").MatchExamples[0]["GITHUB_TOKEN=".Length..];
        var text = $"steps:\n  - run: echo\n    env:\n      GITHUB_TOKEN: {token}\n";

        var match = Assert.Single(Scanner.Scan(text), m => m.RuleId == "github-pat");

        Assert.Equal(4, match.Line);
        Assert.Equal(21, match.Column);
        Assert.Equal(token, match.Secret);
        Assert.Equal(token, text.Substring(match.Index, match.Length));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PipeWatch.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("PipeWatch.slnx not found above the test output.");
    }
}
