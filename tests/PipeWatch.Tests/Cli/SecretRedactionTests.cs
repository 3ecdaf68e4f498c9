using System.Text;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>A secret found in a log never leaves PipeWatch whole: not in any output format, not on stderr, not in the store.</summary>
public sealed class SecretRedactionTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public SecretRedactionTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Formats => ["table", "json", "sarif"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task No_output_format_prints_a_planted_secret_or_its_encodings(string format)
    {
        // The table shows explanations (where the redacted secret is named) only with --details.
        string[] details = format == "table" ? ["--details"] : [];
        var ingest = await _cli.RunAsync(["ingest", JobLogFixtures.GitHubLog, JobLogFixtures.GitLabTrace, JobLogFixtures.JenkinsLog, "--format", format, .. details]);
        var listed = await _cli.RunAsync(["findings", "--format", format, .. details]);
        var written = await _cli.RunAsync("findings", "--format", format, "--output", "out.txt");

        Assert.Equal(1, ingest.ExitCode);
        Assert.Contains("6 new findings", ingest.Error, StringComparison.Ordinal);
        Assert.Contains("ghs_…", listed.Output, StringComparison.Ordinal);
        AssertNoSecret(ingest.Output + ingest.Error + listed.Output + listed.Error + written.Output + File.ReadAllText(_temp.File("out.txt")));
    }

    [Fact]
    public async Task The_store_holds_no_planted_secret()
    {
        await _cli.RunAsync("ingest", JobLogFixtures.GitHubLog, JobLogFixtures.GitLabTrace, JobLogFixtures.JenkinsLog);

        var bytes = Directory.GetFiles(_temp.File(".pipewatch")).SelectMany(File.ReadAllBytes).ToArray();
        Assert.True(bytes.Length > 0);
        foreach (var secret in Secrets())
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
        }
    }

    private static IEnumerable<string> Secrets()
    {
        string[] plain = [JobLogFixtures.DumpedGitHubToken, JobLogFixtures.DumpedNpmToken, JobLogFixtures.DumpedAwsSecret, JobLogFixtures.GitLabToken, JobLogFixtures.JenkinsToken];
        foreach (var secret in plain)
        {
            yield return secret;
            // Its prefix of four is shown; any longer piece is a leak.
            yield return secret[..10];
        }

        // The encoded dump itself, or a long piece of it, would give the secrets away too.
        var dump = File.ReadAllLines(JobLogFixtures.GitHubLog)[55][29..];
        yield return dump[..24];
        yield return dump[^24..];
    }

    private static void AssertNoSecret(string output)
    {
        foreach (var secret in Secrets()) Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
    }
}
