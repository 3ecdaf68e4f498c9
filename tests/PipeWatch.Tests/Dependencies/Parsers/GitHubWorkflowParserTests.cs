using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class GitHubWorkflowParserTests
{
    private static readonly GitHubWorkflowParser Parser = new();

    private static LockfileParse Read(params string[] parts)
    {
        var path = Corpus.File(["workflows", .. parts]);
        return Parser.Parse(path, File.ReadAllText(path));
    }

    [Fact]
    public void A_sha_pinned_action_takes_its_version_from_the_comment_and_keeps_the_sha()
    {
        var action = Assert.Single(Read("zizmor", "known-vulnerable-actions", "setup-php.yml").Dependencies);

        Assert.Equal(
            new Dependency(Ecosystems.GitHubActions, "shivammathur/setup-php", "2.37.0", true, new DependencySource(SourceKind.Git, "https://github.com/shivammathur/setup-php"), "accd6127cb78bee3e8082180cb391013d204ef9f", 17),
            action);
    }

    [Fact]
    public void Reads_job_containers_step_actions_and_reusable_workflows_but_not_local_ones()
    {
        var found = Read("poutine", ".github", "workflows", "reusable.yml").Dependencies;

        Assert.Equal(["actions/checkout@main", "node@latest", "org/repo@main"], found.Select(d => $"{d.Name}@{d.Version}").Order(StringComparer.Ordinal));
        Assert.Equal(Ecosystems.Docker, Assert.Single(found, d => d.Name == "node").Ecosystem);
    }

    [Fact]
    public void Anchored_containers_count_once_per_job()
    {
        var found = Read("poutine", ".github", "workflows", "anchors_multiple.yml").Dependencies;

        Assert.Equal(3, found.Count(d => d.Name == "node" && d.Version == "18"));
        Assert.Equal(3, found.Count(d => d.Name == "actions/checkout" && d.Version == "v4"));
    }

    [Fact]
    public void Docker_step_images_and_subfolder_actions_are_named_by_image_and_repository()
    {
        var parse = Parser.Parse(".github/workflows/ci.yml", """
            jobs:
              build:
                runs-on: ubuntu-latest
                services:
                  db:
                    image: postgres:15@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                steps:
                  - uses: github/codeql-action/init@v3
                  - uses: docker://ghcr.io/acme/tool:1.2
            """);

        Assert.Equal(["postgres@15", "github/codeql-action@v3", "ghcr.io/acme/tool@1.2"], parse.Dependencies.Select(d => $"{d.Name}@{d.Version}"));
        Assert.StartsWith("sha256:", parse.Dependencies[0].Integrity, StringComparison.Ordinal);
        Assert.Equal("ghcr.io", parse.Dependencies[2].Source.Location);
    }

    [Fact]
    public void Invalid_yaml_is_a_problem_with_its_line()
    {
        var parse = Read("poutine", ".github", "workflows", "invalid-yaml.yml");

        Assert.Empty(parse.Dependencies);
        var problem = Assert.Single(parse.Problems);
        Assert.Equal(("expected a YAML mapping at the top, found scalar", 1), (problem.Reason, problem.Line));
    }

    [Fact]
    public void Recognizes_workflows_and_action_definitions()
    {
        Assert.True(Parser.Recognizes(".github/workflows/release.yaml"));
        Assert.True(Parser.Recognizes("tools/action.yml"));
        Assert.False(Parser.Recognizes("config/ci.yml"));
    }
}
