using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Findings;

public sealed class EvidenceTests
{
    [Fact]
    public void Long_secret_keeps_four_characters_its_length_and_a_hash_prefix()
    {
        const string token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

        var evidence = Evidence.Secret("token", token);

        Assert.Equal("token", evidence.Name);
        Assert.Equal("ghp_… (40 chars, sha256:03aafb028d53)", evidence.Value);
        Assert.DoesNotContain(token, evidence.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Medium_secret_keeps_two_characters()
    {
        var evidence = Evidence.Secret("password", "s3cr3tpw!");

        Assert.Equal("s3… (9 chars, sha256:a0d967085511)", evidence.Value);
    }

    [Fact]
    public void Short_secret_shows_no_characters()
    {
        var evidence = Evidence.Secret("password", "hunter2");

        Assert.Equal("… (7 chars, sha256:f52fbd32b2b3)", evidence.Value);
    }

    [Theory]
    [InlineData("Q7!")]
    [InlineData("abcdefg")]
    [InlineData("abcdefgh")]
    [InlineData("abcdefghijklmno")]
    [InlineData("abcdefghijklmnop")]
    [InlineData("AKIAIOSFODNN7EXAMPLE")]
    public void Secret_never_appears_whole(string secret)
    {
        var evidence = Evidence.Secret("secret", secret);

        Assert.DoesNotContain(secret, evidence.Value, StringComparison.Ordinal);
        Assert.Contains($"({secret.Length} chars, sha256:", evidence.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_evidence_keeps_its_value()
    {
        var evidence = Evidence.Of("observed", "3m 20s");

        Assert.Equal(("observed", "3m 20s"), (evidence.Name, evidence.Value));
    }
}
