using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

/// <summary>The built-in rules over real-format configuration files: each labelled secret by its exact rule and line, and nothing else.</summary>
/// <remarks>
/// The files under <c>Fixtures/config-files/</c> are written as the tools that read them expect (.netrc, .pgpass, .htpasswd, shadow,
/// AWS credentials, .s3cfg, Docker config.json, Maven settings.xml, NuGet.Config, pip.conf, .pypirc, .npmrc, Composer auth.json,
/// kubeconfig, FileZilla, WinSCP, Rails, Django, Flask, Laravel, Symfony, WordPress, and .env/INI/YAML/JSON/XML/TOML/properties/code);
/// every value is fake. <c>labels.tsv</c> lists each secret as file, line, rule; files under <c>safe/</c> hold placeholders,
/// templates and variable references only.
/// </remarks>
public sealed class ConfigFileSecretsTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Rules", "Patterns", "Fixtures", "config-files");

    private static readonly IReadOnlyList<(string File, int Line, string Rule)> Labels = [.. File.ReadLines(Path.Combine(Root, "labels.tsv"))
        .Where(l => l.Length > 0 && l[0] != '#')
        .Select(l => l.Split('\t'))
        .Select(p => (p[0], int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), p[2]))];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(Root, file).Replace('\\', '/');
            if (relative != "labels.tsv") data.Add(relative);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_real_format_file_yields_exactly_its_labelled_secrets(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file));
        var lines = text.Split('\n');

        var hits = SecretRuleBook.BuiltIn.Find(text, file, commit: null, line => lines[line - 1]);

        var expected = Labels.Where(l => l.File == file).Select(l => $"{l.Line} {l.Rule}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, hits.Select(h => $"{h.Line} {h.Rule.Id}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_kind_the_issue_names_has_a_labelled_file()
    {
        var folders = Labels.Select(l => l.File.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        string[] kinds = ["netrc", "git-credentials", "pgpass", "htpasswd", "shadow", "aws", "s3cfg", "docker", "maven", "nuget", "pip", "pypirc",
            "npmrc", "composer", "kube", "filezilla", "winscp", "rails", "django", "flask", "laravel", "symfony", "wordpress",
            "ini", "yaml", "json", "xml", "toml", "properties", "code"];

        Assert.DoesNotContain(kinds, k => !folders.Contains(k));
        Assert.True(Files().Count() > Labels.Select(l => l.File).Distinct().Count(), "no safe file without secrets");
    }

    [Theory]
    [InlineData("config/.env", ConfigFileKind.KeyValue)]
    [InlineData(".env.production", ConfigFileKind.KeyValue)]
    [InlineData("deploy/app.ini", ConfigFileKind.KeyValue)]
    [InlineData("config/database.yml", ConfigFileKind.Yaml)]
    [InlineData("appsettings.json", ConfigFileKind.Json)]
    [InlineData("package-lock.json", ConfigFileKind.None)]
    [InlineData("web.config", ConfigFileKind.Xml)]
    [InlineData("config/master.key", ConfigFileKind.RailsKey)]
    [InlineData("src/app.py", ConfigFileKind.None)]
    [InlineData("docs/notes.txt", ConfigFileKind.None)]
    public void A_path_names_its_kind_of_configuration_file(string path, ConfigFileKind kind) => Assert.Equal(kind, ConfigFileSecrets.KindOf(path));

    [Theory]
    [InlineData("password", "changeme")]
    [InlineData("password", "${DB_PASSWORD}")]
    [InlineData("password", "{{ vault_password }}")]
    [InlineData("password", "<password>")]
    [InlineData("password", "********")]
    [InlineData("password", "env.DB_PASSWORD")]
    [InlineData("password", "os.getenv(\"DB\")")]
    [InlineData("password", "%(db_password)s")]
    [InlineData("token", "your-token-here")]
    public void Placeholders_templates_and_references_are_not_secrets(string key, string value) => Assert.True(ConfigFileSecrets.IsPlaceholder(key, value));

    [Fact]
    public void An_unquoted_password_in_code_is_a_variable_and_is_not_reported()
    {
        const string Code = "password = db_password_from_vault\nDB_PASSWORD = settings_password\n";

        Assert.Empty(SecretRuleBook.BuiltIn.Find(Code, "app/settings.py", commit: null, _ => string.Empty));
        Assert.Single(SecretRuleBook.BuiltIn.Find("password = Tq7vN2xLp9\n", "app/settings.ini", commit: null, _ => string.Empty));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_line_prefilter_drops_no_pair_of_a_real_format_file(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file));
        var kind = ConfigFileSecrets.KindOf(file) is var k and not ConfigFileKind.None ? k : ConfigFileKind.KeyValue;

        Assert.Equal(ConfigFileSecrets.Find(text, kind, prefilter: false), ConfigFileSecrets.Find(text, kind));
    }

    [Fact]
    public void Every_key_named_a_credential_passes_the_line_prefilter()
    {
        // The credential words in the spellings configuration files use, with the prefixes, separators and cases around them.
        string[] words = ["password", "passwd", "passphrase", "pwd", "pass", "Pass", "secret", "token", "api_key", "apikey", "api.key", "api-key",
            "private_key", "privateKey", "access_key", "accessKey", "auth_key", "authKey", "secret_key", "secretKey", "client_secret", "TOKEN"];
        string[] prefixes = ["", "db_", "DB_", "smtp.", "mail-", "x", "Clear Text", "github", "NPM_", "aws_", "\"["];
        var accepted = 0;
        foreach (var word in words)
        {
            foreach (var prefix in prefixes)
            {
                foreach (var key in new[] { prefix + word, (prefix + word).ToUpperInvariant(), (prefix + word).ToLowerInvariant() })
                {
                    if (ConfigFileSecrets.Classify(key) is null) continue;
                    accepted++;
                    Assert.True(ConfigFileSecrets.MayHoldCredentialKey(key), key);
                }
            }
        }

        Assert.True(accepted > 500, $"only {accepted} keys were named a credential");
        Assert.False(ConfigFileSecrets.MayHoldCredentialKey("  \"version\": \"4.18.2\","));
    }

    [Fact]
    public void The_whole_text_prefilter_numbers_lines_as_the_line_reader_does_with_every_kind_of_line_break()
    {
        // CR LF, a lone CR, LINE SEPARATOR and FORM FEED all end a line for the line reader; the prefilter jumps over lines
        // without a key word and must land on the same numbers. An empty line, a key word at a line's very end, and a line of
        // 3,000 characters holding one (skipped by the length cap either way) sit between the pairs.
        var text = "name: build\r\n\r\ndb_password: Xk9mPq2z\rlong: " + new string('a', 3000) + "token\u2028\fmode: fast token"
            + "\napi_token: 7fG2kL9pQ4xZ8wR3vT6y\nlast: key";

        var reference = ConfigFileSecrets.Find(text, ConfigFileKind.Yaml, prefilter: false);
        var found = ConfigFileSecrets.Find(text, ConfigFileKind.Yaml);

        Assert.Equal([(ConfigFileSecrets.PasswordRule, 3, "Xk9mPq2z"), (ConfigFileSecrets.SecretRule, 7, "7fG2kL9pQ4xZ8wR3vT6y")], found);
        Assert.Equal(reference, found);
    }

    [Fact]
    public void A_text_without_any_credential_word_reads_no_pair()
    {
        var text = string.Join('\n', Enumerable.Range(0, 500).Select(i => $"  \"dependency-{i}\": \"^{i}.0.0\","));

        Assert.Empty(ConfigFileSecrets.Find(text, ConfigFileKind.Json));
        Assert.Equal([(ConfigFileSecrets.SecretRule, 501, "a1b2c3d4e5f6g7h8i9j0kLmN")],
            ConfigFileSecrets.Find(text + "\n  \"npm_token\": \"a1b2c3d4e5f6g7h8i9j0kLmN\"", ConfigFileKind.Json));
    }
}
