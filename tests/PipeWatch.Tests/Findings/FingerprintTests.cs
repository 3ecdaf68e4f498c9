using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Findings;

public sealed class FingerprintTests
{
    [Fact]
    public void Same_parts_give_the_same_known_value()
    {
        var fingerprint = Fingerprint.Of("pipeline.long-duration", "octo-org/octo-repo", "CI", "linters");

        // SHA-256 of "pipeline.long-duration\u001focto-org/octo-repo\u001fCI\u001flinters", first 32 hex characters.
        Assert.Equal("abc3cda40cc41f08c47abe68e16d5be6", fingerprint);
        Assert.Equal(fingerprint, Fingerprint.Of("pipeline.long-duration", "octo-org/octo-repo", "CI", "linters"));
    }

    [Fact]
    public void Different_parts_give_different_values()
    {
        Assert.NotEqual(
            Fingerprint.Of("pipeline.long-duration", "octo-org/octo-repo", "CI", "linters"),
            Fingerprint.Of("pipeline.long-duration", "octo-org/octo-repo", "CI", "tests"));
    }

    [Fact]
    public void Different_rules_give_different_values()
    {
        Assert.NotEqual(Fingerprint.Of("pipeline.long-duration", "a"), Fingerprint.Of("pipeline.repeated-failures", "a"));
    }

    [Fact]
    public void Order_of_parts_matters()
    {
        Assert.NotEqual(Fingerprint.Of("r", "a", "b"), Fingerprint.Of("r", "b", "a"));
    }

    [Fact]
    public void Parts_are_not_ambiguous_where_they_split()
    {
        Assert.Equal("8290474d080514a00decb86151d43a9c", Fingerprint.Of("r", "a", "bc"));
        Assert.Equal("b1425a230fa04e12757193c21407db17", Fingerprint.Of("r", "ab", "c"));
    }

    [Fact]
    public void Rule_is_not_ambiguous_with_its_first_part()
    {
        Assert.NotEqual(Fingerprint.Of("ra", "b"), Fingerprint.Of("r", "ab"));
    }

    [Fact]
    public void Fingerprint_is_32_lower_case_hex_characters()
    {
        Assert.Matches("^[0-9a-f]{32}$", Fingerprint.Of("pipeline.step-order-changed", "x", null, "y"));
    }
}
