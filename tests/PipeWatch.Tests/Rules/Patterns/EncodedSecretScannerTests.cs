using System.IO.Compression;
using System.Text;
using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class EncodedSecretScannerTests
{
    private const string Token = "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";
    private static readonly SecretScanner Scanner = new(SecretRuleLoader.LoadBuiltIn().Rules);

    [Fact]
    public void A_plain_secret_has_no_encodings()
    {
        var found = Assert.Single(new EncodedSecretScanner(Scanner).Scan($"token is {Token}"));

        Assert.Empty(found.Encodings);
        Assert.Equal("found github-pat", found.Chain);
        Assert.Equal(9, found.Index);
    }

    [Theory]
    [InlineData("base64")]
    [InlineData("base64url")]
    [InlineData("hex")]
    [InlineData("url")]
    [InlineData("gzip+base64")]
    [InlineData("base64 → base64")]
    [InlineData("base64 → hex")]
    [InlineData("gzip+base64 → base64")]
    public void A_secret_under_each_encoding_is_found_with_its_chain(string chain)
    {
        var text = $"GITHUB_TOKEN={Token}";
        foreach (var step in chain.Split(" → ").Reverse()) text = Encode(text, step);
        var line = $"debug: payload {text} end";

        var found = Assert.Single(new EncodedSecretScanner(Scanner).Scan(line));

        Assert.Equal(Token, found.Match.Secret);
        Assert.Equal("github-pat", found.Match.RuleId);
        Assert.Equal($"{chain.Replace("base64url", "base64", StringComparison.Ordinal)} → found github-pat", found.Chain);
        Assert.Equal(line.IndexOf(text, StringComparison.Ordinal), found.Index);
    }

    [Fact]
    public void An_encoded_secret_is_found_wherever_it_starts_and_after_other_runs()
    {
        var encoded = Encode($"GITHUB_TOKEN={Token}", "base64");
        var scanner = new EncodedSecretScanner(Scanner);

        for (var offset = 0; offset < 45; offset++)
        {
            var before = string.Concat(Enumerable.Range(0, offset).Select(i => i % 7 == 6 ? ' ' : 'a'));
            var line = $"{before} {encoded} tail";

            var found = Assert.Single(scanner.Scan(line));
            Assert.Equal(offset + 1, found.Index);
        }
    }

    [Theory]
    [InlineData(76)]
    [InlineData(64)]
    public void Base64_wrapped_over_lines_is_joined_and_found_at_its_first_line(int width)
    {
        // As `env | base64` prints it (76 columns; openssl's is 64): an environment dump whose token sits in the third line's bytes.
        var dump = string.Join("\n", Enumerable.Range(1, 12).Select(i => $"RUNNER_SETTING_{i:D2}=value-{i}-of-the-runner")) + $"\nGITHUB_TOKEN={Token}\nHOME=/home/runner\n";
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(dump));
        var lines = encoded.Chunk(width).Select(c => new string(c)).ToList();
        var log = "Run env | base64\n" + string.Join("\n", lines) + "\nPost job cleanup.";

        var found = new EncodedSecretScanner(Scanner).Scan(log).Where(f => f.Match.Secret == Token).ToList();

        var match = Assert.Single(found);
        Assert.Equal("base64 → found github-pat", match.Chain);
        Assert.Equal("Run env | base64\n".Length, match.Index);
        Assert.True(lines.Count > 3 && lines.All(l => l.Length <= width), $"{lines.Count} lines");
    }

    [Fact]
    public void Lines_of_base64_that_do_not_continue_each_other_are_not_joined()
    {
        // The two halves of an encoded token with a plain line between: each half is a run of its own, so the token is not found.
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes($"GITHUB_TOKEN={Token}\n"));
        var log = $"{encoded[..40]}\nchecking out the repository\n{encoded[40..]}";

        Assert.DoesNotContain(new EncodedSecretScanner(Scanner).Scan(log), f => f.Match.Secret == Token);
        Assert.Contains(new EncodedSecretScanner(Scanner).Scan(log.Replace("\nchecking out the repository\n", "\n", StringComparison.Ordinal)), f => f.Match.Secret == Token);
    }

    [Fact]
    public void Decoding_stops_at_the_configured_depth()
    {
        var text = $"GITHUB_TOKEN={Token}";
        for (var i = 0; i < 3; i++) text = Encode(text, "base64");

        Assert.Empty(new EncodedSecretScanner(Scanner, maximumDepth: 2).Scan(text));
        Assert.Single(new EncodedSecretScanner(Scanner, maximumDepth: 3).Scan(text));
        Assert.Empty(new EncodedSecretScanner(Scanner, maximumDepth: 0).Scan(text));
    }

    [Fact]
    public void Runs_that_do_not_decode_to_text_are_ignored()
    {
        const string Log = """
            [command]/usr/bin/git checkout --progress --force -B main 2b7c3f1d1c3d4e5f60718293a4b5c6d7e8f90a1b
            Downloading https://registry.npmjs.org/@types/node/-/node-22.13.10.tgz sha512-I6LPUvlRH+O6VRUqYOcMudhaIdUVWfsjnZavnsraHvpBwaEyMN29ry+0UVJhImYL16xsscu0aske3yA+uPOWfw==
            Working directory is '/home/runner/work/payments-api/payments-api/src/Payments.Api/Controllers'
            """;

        Assert.Empty(new EncodedSecretScanner(Scanner).Scan(Log));
    }

    [Theory]
    [InlineData("width: 100%")]
    [InlineData("escaped %2F")]
    [InlineData("a%2Fb%2Fc%2Fd%2Fe%2Ff%2Fg%2Fh%2Fi%2Fj")]
    [InlineData("%")]
    public void Text_ending_in_a_percent_escape_is_scanned_without_a_fault(string text) =>
        Assert.Empty(new EncodedSecretScanner(Scanner).Scan(text));

    [Fact]
    public void Short_runs_are_not_tried()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes($"x={Token}"));

        Assert.Empty(new EncodedSecretScanner(Scanner, minimumLength: encoded.Length + 1).Scan(encoded));
    }

    private static string Encode(string text, string step)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return step switch
        {
            "base64" => Convert.ToBase64String(bytes),
            "base64url" => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            "hex" => Convert.ToHexStringLower(bytes),
            "url" => string.Concat(bytes.Select(b => $"%{b:X2}")),
            "gzip+base64" => Convert.ToBase64String(Gzip(bytes)),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal)) gzip.Write(bytes);
        return output.ToArray();
    }
}
