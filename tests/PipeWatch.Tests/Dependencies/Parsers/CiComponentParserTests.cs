using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>GitLab CI images, Dockerfile base images and Jenkins plugin lists.</summary>
public sealed class CiComponentParserTests
{
    [Fact]
    public void Gitlab_ci_images_of_default_and_jobs_after_a_spec_header()
    {
        var path = Corpus.File("workflows", "poutine", ".gitlab-ci.yml");

        var found = new GitLabCiParser().Parse(path, File.ReadAllText(path));

        Assert.Empty(found.Problems);
        Assert.Contains(found.Dependencies, d => d is { Ecosystem: Ecosystems.Docker, Name: "ruby", Version: "3.2" });
        Assert.Contains(found.Dependencies, d => d is { Name: "postgres", Version: "15" });
        Assert.DoesNotContain(found.Dependencies, d => d.Version.Contains('$', StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_base_images_skip_earlier_stages_and_scratch()
    {
        var found = new DockerfileParser().Parse("Dockerfile", """
            FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build
            RUN go build ./...
            FROM build AS test
            FROM scratch
            FROM gcr.io/distroless/static:nonroot
            COPY --from=build /out /app
            """).Dependencies;

        Assert.Equal(["golang@1.22-alpine:1", "gcr.io/distroless/static@nonroot:5"], found.Select(d => $"{d.Name}@{d.Version}:{d.Line}"));
        Assert.Equal("gcr.io", found[1].Source.Location);
    }

    [Fact]
    public void Jenkins_plugins_txt_and_plugin_manager_json()
    {
        var parser = new JenkinsPluginsParser();

        var text = parser.Parse("plugins.txt", "# core plugins\ngit:5.2.1\nworkflow-aggregator:latest\nbad line here\nscript-security:1172.v35f6a_0b_8207e\n");
        var json = parser.Parse("pluginManager.json", """{"plugins":[{"shortName":"git","version":"4.11.3","url":"https://plugins.jenkins.io/git"}]}""");

        Assert.Equal(["git@5.2.1", "workflow-aggregator@", "script-security@1172.v35f6a_0b_8207e"], text.Dependencies.Select(d => $"{d.Name}@{d.Version}"));
        Assert.Equal(4, Assert.Single(text.Problems).Line);
        Assert.Equal((Ecosystems.JenkinsPlugin, "git", "4.11.3"), (json.Dependencies[0].Ecosystem, json.Dependencies[0].Name, json.Dependencies[0].Version));
    }
}
