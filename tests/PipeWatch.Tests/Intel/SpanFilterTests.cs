using System.Security.Cryptography;
using System.Text;
using PipeWatch.Intel;
using Xunit;

namespace PipeWatch.Tests.Intel;

/// <summary>
/// The prefilter in front of the index's hash, domain and URL-host tables only ever says "certainly absent" of an absent
/// value: every lookup and every scan gives what the same index without it gives, for each kind of indicator.
/// </summary>
public sealed class SpanFilterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly List<Indicator> Indicators = Generate();

    private static readonly IndicatorIndex Filtered = new(Indicators, Now, includeNonAlerting: false, prefilter: true);

    private static readonly IndicatorIndex Unfiltered = new(Indicators, Now, includeNonAlerting: false, prefilter: false);

    private static List<Indicator> Generate()
    {
        var random = new Random(17);
        var list = new List<Indicator>();
        for (var i = 0; i < 5_000; i++)
        {
            list.Add(new Indicator(IndicatorKind.Domain, $"c{i:x}.bad-{i % 97}.example", "feed"));
            list.Add(new Indicator(IndicatorKind.Url, $"https://drop{i}.host-{i % 89}.example/p/{i}", "feed"));
            list.Add(new Indicator(IndicatorKind.Sha256, Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))), "feed"));
            list.Add(new Indicator(IndicatorKind.Sha1, Convert.ToHexStringLower(SHA1.HashData(BitConverter.GetBytes(i))), "feed"));
            list.Add(new Indicator(IndicatorKind.Md5, Convert.ToHexStringLower(MD5.HashData(BitConverter.GetBytes(i))), "feed"));
            list.Add(new Indicator(IndicatorKind.Ip, $"198.{i % 200}.{random.Next(256)}.{random.Next(256)}", "feed"));
        }

        // Short parents (a whole registrable domain), a listed URL on a listed domain, CIDR blocks.
        list.Add(new Indicator(IndicatorKind.Domain, "evil.example", "feed"));
        list.Add(new Indicator(IndicatorKind.Url, "https://paste.evil.example/raw/1", "feed"));
        list.Add(new Indicator(IndicatorKind.Ip, "203.0.113.0/24", "feed"));
        list.Add(new Indicator(IndicatorKind.Ip, "2001:db8:dead::/48", "feed"));
        return list;
    }

    [Fact]
    public void Every_listed_value_is_found_through_the_filter_in_any_case_and_with_its_subdomains()
    {
        foreach (var indicator in Indicators)
        {
            switch (indicator.Kind)
            {
                case IndicatorKind.Domain:
                    Assert.Same(indicator, Filtered.Domain(indicator.Value));
                    Assert.Same(indicator, Filtered.Domain("a.b." + indicator.Value.ToUpperInvariant() + "."));
                    break;
                case IndicatorKind.Sha256 or IndicatorKind.Sha1 or IndicatorKind.Md5:
                    Assert.Same(indicator, Filtered.Hash(indicator.Value));
                    Assert.Same(indicator, Filtered.Hash(indicator.Value.ToUpperInvariant()));
                    break;
                case IndicatorKind.Url:
                    var host = new Uri(indicator.Value).Host;
                    Assert.True(Filtered.IsUrlHost(host), host);
                    Assert.True(Filtered.IsUrlHost(host.ToUpperInvariant()), host);
                    Assert.Same(indicator, Filtered.Url(indicator.Value));
                    break;
            }

            Assert.Same(Unfiltered.Find(indicator.Kind, indicator.Value), Filtered.Find(indicator.Kind, indicator.Value));
        }

        Assert.Equal("evil.example", Filtered.Domain("x.y.z.Evil.Example")?.Value);
        Assert.Equal("203.0.113.0/24", Filtered.Find(IndicatorKind.Ip, "203.0.113.77")?.Value);
        Assert.Equal("2001:db8:dead::/48", Filtered.Find(IndicatorKind.Ip, "2001:db8:dead:1::5")?.Value);
    }

    [Fact]
    public void A_log_full_of_listed_and_unlisted_values_gives_the_same_matches_with_and_without_the_filter()
    {
        var random = new Random(3);
        var text = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            var indicator = Indicators[random.Next(Indicators.Count)];
            text.Append(random.Next(6) switch
            {
                0 => $"curl -sS https://x{i}.{Cased(indicator.Value, random)}/a ",
                1 => $"nslookup {Cased(indicator.Value, random)}. ",
                2 => $"sha256:{Cased(indicator.Value, random)} pushed ",
                3 => $"connect to {indicator.Value}:443 ",
                4 => $"GET {indicator.Value}?q=1 ",
                _ => $"fetch https://registry-{i}.npmjs.org/pkg-{i}.tgz c{i:x}.bad-{i % 97}.example.org 10.{i % 250}.0.1 {Convert.ToHexStringLower(SHA1.HashData(BitConverter.GetBytes(-i)))} ",
            });
            text.Append('\n');
        }

        var with = new List<IndicatorMatch>();
        var without = new List<IndicatorMatch>();
        IndicatorScanner.Scan(text.ToString(), Filtered, with);
        IndicatorScanner.Scan(text.ToString(), Unfiltered, without);

        Assert.True(with.Count > 10_000, $"{with.Count} matches");
        Assert.Equal(without.Select(m => (m.Indicator, m.Observed, m.Index)), with.Select(m => (m.Indicator, m.Observed, m.Index)));
    }

    [Fact]
    public void Unlisted_values_are_mostly_refused_by_the_filter_alone()
    {
        var filter = new SpanFilter([.. Indicators.Where(i => i.Kind == IndicatorKind.Domain).Select(i => i.Value)]);
        var passed = Enumerable.Range(0, 100_000).Count(i => filter.MayContain($"d{i:x}.good-{i % 97}.example"));

        Assert.True(filter.Judges);
        Assert.InRange(passed, 0, 5_000);
        Assert.All(Indicators.Where(i => i.Kind == IndicatorKind.Domain), i => Assert.True(filter.MayContain(i.Value.ToUpperInvariant())));
    }

    [Fact]
    public void A_value_outside_ascii_is_never_judged_by_the_filter()
    {
        var filter = new SpanFilter(["evil.example"]);
        var mixed = new SpanFilter(["evil.example", "b\u00fccher.example"]);

        Assert.True(filter.MayContain("\u00fc.example"));
        Assert.False(mixed.Judges);
        Assert.True(mixed.MayContain("good.example"));
        // U+0131 (dotless i) folds onto I in the table's case-insensitive comparison: the index still finds what it finds without the filter.
        var index = new IndicatorIndex([new Indicator(IndicatorKind.Domain, "evil.example", "feed")], Now);
        var plain = new IndicatorIndex([new Indicator(IndicatorKind.Domain, "evil.example", "feed")], Now, includeNonAlerting: false, prefilter: false);
        Assert.Equal(plain.Domain("ev\u0131l.example")?.Value, index.Domain("ev\u0131l.example")?.Value);
    }

    private static string Cased(string value, Random random) => random.Next(2) == 0 ? value : value.ToUpperInvariant();
}
