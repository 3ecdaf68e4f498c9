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
        // SecretRuleBook.BuiltIn reads the precomputed file (start-up), not the YAML; this load parsed and proved the YAML.
        Assert.Equal(Shape(BuiltIn.Rules), Shape(SecretRuleBook.BuiltIn.Rules));
        Assert.Equal(Shape(BuiltIn.Rules), Shape(CompiledSecretRules.LoadEmbedded()));
    }

    [Fact]
    public void The_precomputed_rule_file_is_what_the_proven_yaml_load_makes()
    {
        // The YAML is the source; regenerate the file with PIPEWATCH_UPDATE_GOLDEN=1 after changing it.
        var file = Path.Combine(RepositoryRoot(), "rules", "secrets", "builtin.compiled.tsv");
        var made = CompiledSecretRules.Write(BuiltIn.Rules);
        if (Environment.GetEnvironmentVariable("PIPEWATCH_UPDATE_GOLDEN") == "1") File.WriteAllText(file, made);

        Assert.True(File.ReadAllText(file) == made, $"{file} is out of date with rules/secrets/*.yml: run BuiltInSecretRulesTests with PIPEWATCH_UPDATE_GOLDEN=1");
        using var embedded = typeof(CompiledSecretRules).Assembly.GetManifestResourceStream(CompiledSecretRules.Resource)!;
        Assert.Equal(made, new StreamReader(embedded).ReadToEnd());
    }

    [Fact]
    public void A_rule_whose_values_hold_tabs_line_breaks_and_backslashes_reads_back_as_written()
    {
        const string yaml = """
            rules:
              - id: demo-token
                description: "Demo\ttoken\\ with a tab and a backslash"
                keywords: [demo_]
                pattern: '\b(?<token>demo_[a-z0-9]{12})\b'
                secret-group: token
                entropy: 2.25
                severity: high
                window: 64
                examples:
                  match: ["t = demo_a1b2c3d4e5f6", "x\r\ndemo_a1b2c3d4e5f6\n"]
                  no-match: ['demo_short']
            """;
        var written = SecretRuleLoader.Load("demo.yml", new StringReader(yaml));
        Assert.Empty(written.Problems);
        var rule = Assert.Single(written.Rules);

        var read = CompiledSecretRules.Read(new StringReader(CompiledSecretRules.Write([rule])));

        Assert.Equal(Shape([rule]), Shape(read));
        Assert.Equal("Demo\ttoken\\ with a tab and a backslash", Assert.Single(read).Description);
        Assert.Equal(["t = demo_a1b2c3d4e5f6", "x\r\ndemo_a1b2c3d4e5f6\n"], read[0].MatchExamples);
        Assert.Equal(1, read[0].SecretGroup);
        Assert.Equal(2.25, read[0].Entropy);
    }

    [Theory]
    [InlineData("id\tdemo-token\ndescription\tDemo\nkeyword\tdemo_\nseverity\thigh\n", "line 4: 'severity' where 'pattern' belongs")]
    [InlineData("id\tdemo-token\ndescription\tDemo\\q\n", "line 2: an unknown escape")]
    [InlineData("# header\nno tab here\n", "line 2: a line that is not a key")]
    [InlineData("id\tdemo-token\ndescription\tDemo\nkeyword\tdemo_\npattern\tdemo_\ngroup\tone\n", "line 5: 'group' that is not a number")]
    [InlineData("id\tdemo-token\ndescription\tDemo\nkeyword\tdemo_\npattern\tdemo_\ngroup\t0\nseverity\turgent\nwindow\t512\n", "line 6: 'severity' that is not a severity")]
    public void A_malformed_precomputed_file_is_an_error_naming_the_file_and_line(string text, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => CompiledSecretRules.Read(new StringReader(text)));

        Assert.Contains(CompiledSecretRules.File, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_book_every_scan_uses_parses_a_rule_s_regex_only_when_a_keyword_of_the_rule_first_hits()
    {
        // Start-up: most of the built-in rules never see a keyword of theirs in a scan, so their regexes are never parsed.
        var rules = CompiledSecretRules.LoadEmbedded();
        Assert.All(rules, rule => Assert.False(rule.IsPatternBuilt, rule.Id));
        var text = "const db = 1;\nconst gh = '" + Rule("github-pat").MatchExamples[0] + "';\n";

        var found = new SecretScanner(rules).Scan(text);

        Assert.Equal(Scanner.Scan(text), found);
        Assert.Contains(found, match => match.RuleId == "github-pat");
        Assert.True(rules.Single(r => r.Id == "github-pat").IsPatternBuilt);
        Assert.False(rules.Single(r => r.Id == "stripe-secret-key").IsPatternBuilt);
        Assert.Equal(Rule("github-pat").SecretGroup, rules.Single(r => r.Id == "github-pat").SecretGroup);
    }

    // Every field of a rule, examples included, as one line per rule.
    private static IEnumerable<string> Shape(IEnumerable<SecretRule> rules) => rules.Select(r =>
        $"{r.Id}|{r.Description}|{r.Pattern}|{r.Pattern.Options}|{r.Pattern.MatchTimeout}|{string.Join(',', r.Keywords)}|{r.SecretGroup}|{r.Entropy}|{r.Severity}|{r.Checksum}|{r.Window}|{string.Join('\u0001', r.MatchExamples)}|{string.Join('\u0001', r.NoMatchExamples)}");

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
