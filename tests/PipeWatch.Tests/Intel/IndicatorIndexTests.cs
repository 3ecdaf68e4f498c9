using System.Net;
using PipeWatch.Intel;
using Xunit;

namespace PipeWatch.Tests.Intel;

public sealed class IndicatorIndexTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static Indicator I(IndicatorKind kind, string value, string feed = "feed") => new(kind, IndicatorValues.Normalize(kind, value)!, feed);

    [Fact]
    public void A_domain_matches_itself_and_its_subdomains_but_not_its_parent_or_a_lookalike()
    {
        var index = new IndicatorIndex([I(IndicatorKind.Domain, "c2.bad.example")], Now);

        Assert.Equal("c2.bad.example", index.Domain("c2.bad.example")?.Value);
        Assert.Equal("c2.bad.example", index.Domain("a.b.C2.Bad.Example.")?.Value);
        Assert.Null(index.Domain("bad.example"));
        Assert.Null(index.Domain("notc2.bad.example"));
        Assert.Null(index.Domain("c2.bad.example.org"));
    }

    [Fact]
    public void Addresses_match_exactly_and_inside_cidr_blocks_the_most_specific_first()
    {
        var index = new IndicatorIndex(
            [I(IndicatorKind.Ip, "223.166.0.0/15"), I(IndicatorKind.Ip, "223.167.1.0/24", "narrow"), I(IndicatorKind.Ip, "192.0.2.1"), I(IndicatorKind.Ip, "2001:db8:dead::/48")],
            Now);

        Assert.Equal("223.166.0.0/15", index.Ip(IPAddress.Parse("223.167.255.254"))?.Value);
        Assert.Equal("narrow", index.Ip(IPAddress.Parse("223.167.1.9"))?.Feed);
        Assert.Null(index.Ip(IPAddress.Parse("223.168.0.0")));
        Assert.Equal("192.0.2.1", index.Ip(IPAddress.Parse("::ffff:192.0.2.1"))?.Value);
        Assert.Null(index.Ip(IPAddress.Parse("192.0.2.2")));
        Assert.Equal("2001:db8:dead::/48", index.Ip(IPAddress.Parse("2001:db8:dead:1::5"))?.Value);
        Assert.Null(index.Ip(IPAddress.Parse("2001:db8:beef::5")));
    }

    [Fact]
    public void Revoked_expired_not_yet_valid_and_non_alerting_indicators_are_left_out()
    {
        var index = new IndicatorIndex(
            [
                I(IndicatorKind.Domain, "revoked.example") with { Revoked = true },
                I(IndicatorKind.Domain, "expired.example") with { ValidUntil = Now.AddSeconds(-1) },
                I(IndicatorKind.Domain, "future.example") with { ValidFrom = Now.AddDays(1) },
                I(IndicatorKind.Domain, "sighting.example") with { Alert = false },
                I(IndicatorKind.Domain, "live.example") with { ValidFrom = Now.AddYears(-10), ValidUntil = Now.AddDays(1) },
            ],
            Now);

        Assert.Equal(1, index.Count);
        Assert.NotNull(index.Domain("live.example"));
        Assert.Null(index.Domain("revoked.example"));
        Assert.Null(index.Domain("expired.example"));
        Assert.Null(index.Domain("future.example"));
        Assert.Null(index.Domain("sighting.example"));
        Assert.NotNull(new IndicatorIndex([I(IndicatorKind.Domain, "sighting.example") with { Alert = false }], Now, includeNonAlerting: true).Domain("sighting.example"));
    }

    [Fact]
    public void A_user_feed_wins_over_the_built_in_list_and_then_the_higher_confidence()
    {
        var index = new IndicatorIndex(
            [
                I(IndicatorKind.Domain, "webhook.site", "built-in") with { BuiltIn = true, Confidence = 99 },
                I(IndicatorKind.Domain, "webhook.site", "team") with { Confidence = 10 },
                I(IndicatorKind.Sha256, new string('a', 64), "low") with { Confidence = 20 },
                I(IndicatorKind.Sha256, new string('A', 64), "high") with { Confidence = 90 },
            ],
            Now);

        Assert.Equal("team", index.Domain("webhook.site")?.Feed);
        Assert.Equal("high", index.Hash(new string('a', 64))?.Feed);
        Assert.Equal(2, index.Count);
    }

    [Theory]
    [InlineData("hxxps://evil[.]example/a", IndicatorKind.Url, "https://evil.example/a")]
    [InlineData("HTTP://Evil.Example:80/a?b=1#x", IndicatorKind.Url, "http://evil.example/a?b=1")]
    [InlineData("evil(.)example", IndicatorKind.Domain, "evil.example")]
    [InlineData("münchen.example", IndicatorKind.Domain, "xn--mnchen-3ya.example")]
    [InlineData("1.2.3[.]4", IndicatorKind.Ip, "1.2.3.4")]
    [InlineData("10.1.2.3/8", IndicatorKind.Ip, "10.0.0.0/8")]
    [InlineData("EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C", IndicatorKind.Sha256, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c")]
    [InlineData("Bad[@]Evil[.]Example", IndicatorKind.Email, "bad@evil.example")]
    public void Values_are_refanged_and_normalized(string raw, IndicatorKind kind, string expected)
    {
        Assert.Equal(expected, IndicatorValues.Normalize(kind, raw));
        Assert.Equal((kind, expected), IndicatorValues.Guess(raw));
    }

    [Theory]
    [InlineData(IndicatorKind.Domain, "localhost")]
    [InlineData(IndicatorKind.Domain, "1.2.3.4")]
    [InlineData(IndicatorKind.Domain, "bad domain.example")]
    [InlineData(IndicatorKind.Ip, "1.2.3")]
    [InlineData(IndicatorKind.Ip, "1.2.3.4/33")]
    [InlineData(IndicatorKind.Md5, "abc")]
    [InlineData(IndicatorKind.Url, "/gate.php")]
    [InlineData(IndicatorKind.Url, "javascript:alert(1)")]
    public void Values_that_are_not_of_their_kind_are_refused(IndicatorKind kind, string raw)
    {
        Assert.Null(IndicatorValues.Normalize(kind, raw));
    }
}
