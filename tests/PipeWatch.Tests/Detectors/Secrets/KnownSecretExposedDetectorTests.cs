using System.Text;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Secrets;

public sealed class KnownSecretExposedDetectorTests : IDisposable
{
    private const string Value = "pw-Rk7/Tq2+Lx9vB4mN8cZ1sD6hJ3gF0yW5e";
    private const string Other = "pw-Hb3/Yu8+Ke4rT7qA2nC9xM5vL1jP6sG0d";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_learned_secret_printed_plain_base64_double_base64_hex_url_encoded_and_split_is_one_finding_per_occurrence_with_its_chain()
    {
        var store = Learn(("DEPLOY_TOKEN", Value));

        var result = await Ingest.RunAsync(store, [WriteLog(Value)]);

        Assert.Empty(result.Problems);
        var found = result.Findings.Where(f => f.Rule == KnownSecretExposedDetector.Id).ToList();
        Assert.Equal(
            [
                (5, "plain"),
                (6, "base64"),
                (7, "base64 → base64"),
                (8, "hex"),
                (9, "url"),
                (10, "plain (split over two lines)"),
            ],
            found.Select(f => (f.Location.Line ?? 0, f.Evidence.Single(e => e.Name == "encoding").Value)));
        Assert.All(found, f =>
        {
            Assert.Equal(Categories.SecretInLog, f.Category);
            Assert.Equal(Severity.Critical, f.Severity);
            Assert.Equal("DEPLOY_TOKEN", f.Evidence.Single(e => e.Name == "secret_variable").Value);
            Assert.Equal("acme/payments-api", f.Entity.Repository);
            Assert.Equal("777000111", f.Location.RunId);
            Assert.DoesNotContain(Value, f.Explanation, StringComparison.Ordinal);
            Assert.DoesNotContain(Value[..10], f.Title + f.Explanation + string.Join(' ', f.Evidence.Select(e => e.Value)), StringComparison.Ordinal);
        });
        Assert.Equal("Known secret DEPLOY_TOKEN printed as base64 → base64 in job 'deploy', step 'Run ./deploy.sh'", found[2].Title);
        Assert.StartsWith("The value of DEPLOY_TOKEN, learned with 'pipewatch secrets learn', is in line 7 of ", found[2].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_log_without_the_secret_raises_nothing()
    {
        var store = Learn(("DEPLOY_TOKEN", Value));

        var result = await Ingest.RunAsync(store, [WriteLog(Other)]);

        Assert.Empty(result.Problems);
        Assert.True(result.Summary.Events > 0);
        Assert.DoesNotContain(result.Findings, f => f.Rule == KnownSecretExposedDetector.Id);
    }

    [Fact]
    public async Task The_tj_actions_double_base64_dump_names_each_learned_variable()
    {
        var store = Learn(("GITHUB_TOKEN", JobLogFixtures.DumpedGitHubToken), ("NPM_TOKEN", JobLogFixtures.DumpedNpmToken), ("AWS_SECRET_ACCESS_KEY", JobLogFixtures.DumpedAwsSecret));

        var result = await Ingest.RunAsync(store, [JobLogFixtures.GitHubLog]);

        var found = result.Findings.Where(f => f.Rule == KnownSecretExposedDetector.Id).ToList();
        Assert.Equal(
            ["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "NPM_TOKEN"],
            found.Select(f => f.Evidence.Single(e => e.Name == "secret_variable").Value).Order(StringComparer.Ordinal));
        Assert.All(found, f =>
        {
            Assert.Equal(56, f.Location.Line);
            Assert.Equal("base64 → base64 → plain", f.Evidence.Single(e => e.Name == "encoding").Value);
        });

        // GitHub's masked copy of the same log holds none of them.
        var masked = await Ingest.RunAsync(_temp.File("masked.db"), [JobLogFixtures.GitHubMaskedLog]);
        Assert.DoesNotContain(masked.Findings, f => f.Rule == KnownSecretExposedDetector.Id);
    }

    [Fact]
    public async Task Learning_a_rotated_value_replaces_the_old_fingerprints()
    {
        var store = Learn(("DEPLOY_TOKEN", Value));
        using (var opened = SqliteStore.Open(store))
        {
            var result = KnownSecretLearning.Learn(opened, "DEPLOY_TOKEN", Other, Ingest.Now);
            Assert.Equal(KnownSecretChange.Rotated, result.Change);
            Assert.Equal(KnownSecretChange.Unchanged, KnownSecretLearning.Learn(opened, "DEPLOY_TOKEN", Other, Ingest.Now).Change);
        }

        var old = await Ingest.RunAsync(store, [WriteLog(Value, "old")]);
        var current = await Ingest.RunAsync(store, [WriteLog(Other, "new")]);

        Assert.DoesNotContain(old.Findings, f => f.Rule == KnownSecretExposedDetector.Id);
        Assert.Equal(6, current.Findings.Count(f => f.Rule == KnownSecretExposedDetector.Id));
    }

    [Fact]
    public async Task The_store_file_and_its_wal_hold_no_value_no_encoding_and_no_piece_of_either()
    {
        var path = _temp.File("secrets.db");
        using var store = SqliteStore.Open(path);
        KnownSecretLearning.Learn(store, "DEPLOY_TOKEN", Value, Ingest.Now);
        Assert.NotEmpty(store.ReadKnownSecrets());

        // Read while the store is open, so the WAL is there too; then search every byte of the files for any 8-character piece.
        var files = new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists).ToList();
        Assert.Contains(path + "-wal", files);
        var bytes = files.Select(ReadShared).ToList();
        Assert.Contains(bytes, b => Contains(b, Encoding.UTF8.GetBytes("DEPLOY_TOKEN")));
        var forms = KnownSecretForms.Of(Value).Select(f => f.Text).Append(Value).ToList();
        Assert.Contains(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Value)), forms);
        foreach (var form in forms)
        {
            for (var at = 0; at + 8 <= form.Length; at++)
            {
                var piece = form.Substring(at, 8);
                foreach (var encoded in new[] { Encoding.UTF8.GetBytes(piece), Encoding.Unicode.GetBytes(piece), Encoding.UTF8.GetBytes(new string([.. piece.Reverse()])) })
                {
                    Assert.False(bytes.Any(b => Contains(b, encoded)), $"the store holds '{piece}' of a form of the value");
                }
            }
        }
    }

    [Fact]
    public void Reversed_json_escaped_partly_masked_and_offset_base64_copies_are_found()
    {
        var key = new byte[32];
        var index = KnownSecretIndex.Create(key, [.. KnownSecretForms.Of(Value).Select(f => new KnownSecretFingerprint(
            "DEPLOY_TOKEN", f.Form, KnownSecretForms.Alphabet(f.Text), f.Text.Length, KnownSecretForms.Hash(key, f.Text), Ingest.Now))]);
        string Chain(string text) => string.Join(" | ", index.Find(text).Select(h => h.ChainText));

        Assert.Equal("reversed", Chain("echo " + new string([.. Value.Reverse()])));
        Assert.Equal("json-slash", Chain("{\"token\":\"" + Value.Replace("/", "\\/", StringComparison.Ordinal) + "\"}"));
        Assert.Equal("prefix-half (partly masked)", Chain($"token={Value[..20]}***"));
        Assert.Equal("suffix-half (partly masked)", Chain($"token=***{Value[^19..]} done"));
        Assert.Equal("base64 → plain", Chain(Convert.ToBase64String(Encoding.UTF8.GetBytes("DEPLOY_TOKEN=" + Value + "\n"))));
        // The value at byte offset 1 of a base64 dump whose other parts were masked: only the groups made of its own bytes are left.
        var core = (Value.Length - 2) / 3 * 4;
        Assert.Equal("base64@1", Chain("dump: ***" + Convert.ToBase64String([0xFF, .. Encoding.UTF8.GetBytes(Value), 0x0A])[4..(4 + core)] + "***"));
        Assert.Equal("HEX", Chain("sig " + Convert.ToHexString(Encoding.UTF8.GetBytes(Value)) + " ok"));
        Assert.Equal(string.Empty, Chain($"token={Value[..12]}*** and {Value[1..]}x and {Value}x"));
        Assert.Equal(string.Empty, Chain("2026-11-20 deploy finished: 41 services, /usr/local/bin/node, sha256:" + new string('a', 64)));
    }

    private string Learn(params (string Name, string Value)[] secrets)
    {
        var path = _temp.File("store.db");
        using var store = SqliteStore.Open(path);
        foreach (var (name, value) in secrets) KnownSecretLearning.Learn(store, name, value, Ingest.Now);
        return path;
    }

    // A GitHub Actions job log (as downloaded: logs_<run>/<n>_<job>.txt) whose deploy step prints the value six ways.
    private string WriteLog(string value, string folder = "logs")
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var base64 = Convert.ToBase64String(bytes);
        string[] lines =
        [
            "Job defined at: acme/payments-api/.github/workflows/deploy.yml@refs/heads/main",
            "##[group]Run ./deploy.sh",
            "./deploy.sh --env production",
            "##[endgroup]",
            "Deploying with token " + value,
            "token (base64): " + base64,
            "debug dump: " + Convert.ToBase64String(Encoding.ASCII.GetBytes(base64)),
            "signature input: " + Convert.ToHexStringLower(bytes),
            "callback: https://hooks.example.com/cb?key=" + Uri.EscapeDataString(value) + "&env=prod",
            value[..17],
            value[17..],
            "Deployed 3 services in 41s",
        ];
        var dir = Path.Combine(_temp.Path, folder, "logs_777000111");
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "0_deploy.txt");
        var start = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        File.WriteAllLines(file, lines.Select((l, i) => $"{start.AddMilliseconds(i * 100):yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'} {l}"));
        return dir;
    }

    private static byte[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
