using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>
/// <see cref="LockfileParsers.For"/> names the parser of a path by its file name, the same on every call (it keeps its answers
/// per path), for forward and back slashes, and null for a path no format claims.
/// </summary>
public sealed class LockfileParsersTests
{
    [Theory]
    [InlineData("pnpm-lock.yaml", typeof(PnpmLockParser))]
    [InlineData("packages/core/package-lock.json", typeof(NpmPackageLockParser))]
    [InlineData(@"web\yarn.lock", typeof(YarnLockParser))]
    [InlineData("requirements-dev.txt", typeof(RequirementsTxtParser))]
    [InlineData("src/App/App.csproj", typeof(MsBuildPackageReferenceParser))]
    [InlineData(".github/workflows/ci.yml", typeof(GitHubWorkflowParser))]
    [InlineData("docker/Dockerfile.alpine", typeof(DockerfileParser))]
    [InlineData("uv.lock", typeof(UvLockParser))]
    public void A_lockfile_or_manifest_path_gets_its_parser_every_time(string path, Type parser)
    {
        Assert.IsType(parser, LockfileParsers.For(path));
        Assert.IsType(parser, LockfileParsers.For(path));
    }

    [Theory]
    [InlineData("src/main.c")]
    [InlineData("pnpm-lock.yaml.orig")]
    [InlineData("docs/package-lock.json/README.md")]
    [InlineData("")]
    public void Any_other_path_has_none(string path)
    {
        Assert.Null(LockfileParsers.For(path));
        Assert.Null(LockfileParsers.For(path));
    }

    [Fact]
    public void Past_the_paths_it_keeps_the_answer_is_still_worked_out()
    {
        // A hostile history can name any number of paths: the answers kept are bounded, the answers given are not.
        for (var i = 0; i < 70_000; i++) Assert.Null(LockfileParsers.For($"generated/{i}/file.txt"));
        Assert.IsType<PnpmLockParser>(LockfileParsers.For("late/one/pnpm-lock.yaml"));
        Assert.Null(LockfileParsers.For("late/one/notes.txt"));
    }
}
