using System.Text;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

public sealed class SecretsCommandTests : IDisposable
{
    private const string GhToken = "ghp_Qv7Lm2Xr9Tz4Kb8Nc1Wd6Hs3Fj5Gp0Ya2Ue";
    private const string AwsSecret = "Jq8/Vr2+Mx5kT9bL3nW7cZ1sD4hF6gY0pA5eR8tU";
    private const string Rotated = "ghp_Zz1Yy2Xx3Ww4Vv5Uu6Tt7Ss8Rr9Qq0Pp1Oo2Nn";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Store => _temp.File("store.db");

    [Fact]
    public async Task Learn_reads_the_named_and_matching_variables_and_ingest_then_reports_them_however_encoded()
    {
        var cli = new CliRunner(_temp.Path, new()
        {
            ["GH_TOKEN"] = GhToken,
            ["AWS_SECRET_ACCESS_KEY"] = AwsSecret,
            ["AWS_REGION_PIN"] = "abc",
            ["HOME"] = "/home/runner",
        });

        var learn = await cli.RunAsync("secrets", "learn", "--env", "AWS_*, GH_TOKEN, NPM_TOKEN", "--store", Store);

        Assert.Equal(0, learn.ExitCode);
        Assert.Equal(
            [
                "pipewatch: --env: no variable named NPM_TOKEN is set",
                "pipewatch: AWS_REGION_PIN: not learned: it is shorter than 8 characters (too short to search for without false alarms, and guessable from its fingerprint)",
                $"AWS_SECRET_ACCESS_KEY: learned ({Forms(AwsSecret)} forms fingerprinted)",
                $"GH_TOKEN: learned ({Forms(GhToken)} forms fingerprinted)",
                "2 secrets learned into store.db",
            ],
            learn.ErrorLines);
        Assert.DoesNotContain(GhToken[..8], learn.Output + learn.Error, StringComparison.Ordinal);

        var list = await cli.RunAsync("secrets", "list", "--store", Store);
        Assert.Equal([$"AWS_SECRET_ACCESS_KEY\t{Forms(AwsSecret)} forms\tlearned 2026-11-27 12:00Z", $"GH_TOKEN\t{Forms(GhToken)} forms\tlearned 2026-11-27 12:00Z"], list.OutputLines);

        var log = WriteLog("logs_4242", "echo token " + Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(GhToken)))));
        var ingest = await cli.RunAsync("ingest", log, "--store", Store, "--format", "json");
        Assert.True(ingest.ExitCode == 1, ingest.Output + ingest.Error);
        var line = Assert.Single(ingest.OutputLines, l => l.Contains("secrets.known-secret-exposed", StringComparison.Ordinal));
        Assert.Contains("Known secret GH_TOKEN printed as base64 → base64 in job 'deploy'", line, StringComparison.Ordinal);
        Assert.DoesNotContain(GhToken[..8], ingest.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Learning_a_new_value_says_rotated_and_forget_stops_the_search()
    {
        var cli = new CliRunner(_temp.Path, new() { ["GH_TOKEN"] = GhToken });
        Assert.Equal(0, (await cli.RunAsync("secrets", "learn", "--env", "GH_TOKEN", "--store", Store)).ExitCode);
        cli.Environment["GH_TOKEN"] = Rotated;

        var again = await cli.RunAsync("secrets", "learn", "--env", "GH_TOKEN", "--store", Store);
        Assert.Equal($"GH_TOKEN: rotated: the old value's fingerprints are replaced ({Forms(Rotated)} forms fingerprinted)", again.ErrorLines[0]);
        var same = await cli.RunAsync("secrets", "learn", "--env", "GH_TOKEN", "--store", Store);
        Assert.Equal($"GH_TOKEN: unchanged ({Forms(Rotated)} forms fingerprinted)", same.ErrorLines[0]);

        var old = await cli.RunAsync("ingest", WriteLog("logs_1", "token " + GhToken), "--store", Store, "--format", "json");
        Assert.DoesNotContain("known-secret-exposed", old.Output, StringComparison.Ordinal);

        var forget = await cli.RunAsync("secrets", "forget", "GH_TOKEN", "--store", Store);
        Assert.Equal(0, forget.ExitCode);
        var after = await cli.RunAsync("ingest", WriteLog("logs_2", "token " + Rotated), "--store", Store, "--format", "json");
        Assert.DoesNotContain("known-secret-exposed", after.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await cli.RunAsync("secrets", "forget", "GH_TOKEN", "--store", Store)).ExitCode);
    }

    [Fact]
    public async Task Learn_with_nothing_to_learn_exits_2()
    {
        var result = await new CliRunner(_temp.Path).RunAsync("secrets", "learn", "--env", "NOPE_*", "--store", Store);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pipewatch: --env: no variable named NOPE_* is set", result.ErrorLines[0]);
    }

    // Each distinct form of the value (a form equal to another is kept once; halves only for long values).
    private static int Forms(string value) => KnownSecretForms.Of(value).Count;

    private string WriteLog(string run, string printed)
    {
        var dir = Path.Combine(_temp.Path, run);
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "0_deploy.txt"),
        [
            "2026-11-20T10:00:00.0000000Z Job defined at: acme/payments-api/.github/workflows/deploy.yml@refs/heads/main",
            "2026-11-20T10:00:00.1000000Z ##[group]Run ./deploy.sh",
            "2026-11-20T10:00:00.2000000Z ./deploy.sh",
            "2026-11-20T10:00:00.3000000Z ##[endgroup]",
            "2026-11-20T10:00:00.4000000Z " + printed,
        ]);
        return dir;
    }
}
