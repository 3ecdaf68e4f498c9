using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Findings;

public sealed class FingerprintTests
{
    [Fact]
    public void Same_parts_give_the_same_known_value()
    {
        var fingerprint = Fingerprint.Of("pipeline.long-duration", "octo-org/octo-repo", "CI", "linters");

        // SHA-256 of "pipeline.long-duration|18:octo-org/octo-repo|2:CI|7:linters", first 32 hex characters.
        Assert.Equal("331a9f6ce58d196230ade30d1e60ebd4", fingerprint);
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
        Assert.Equal("248343b81c7fa4531c191fa240f5ace9", Fingerprint.Of("r", "a", "bc"));
        Assert.Equal("4fb32e0d7e16c9eda747064c24a1f28d", Fingerprint.Of("r", "ab", "c"));
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
