using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Intel;

public sealed class IntelFeedsTests
{
    private static (FeedReading Reading, IReadOnlyList<Problem> Problems) Read(string path, string? format = null)
    {
        var problems = new ProblemLog();
        var reading = IntelFeeds.ReadFile(path, null, format, problems);
        return (reading, problems.Problems);
    }

    private static string Counts(FeedReading reading) =>
        string.Join(", ", reading.CountsByKind().OrderBy(k => k.Key).Select(k => $"{IndicatorKinds.Name(k.Key)}={k.Value}"));

    private static string Skipped(FeedReading reading) => string.Join("; ", reading.Skipped.Select(s => $"{s.Key} ×{s.Value}"));

    public static TheoryData<string, string, string, string> CorpusFiles => new()
    {
        { "stix/examples/indicator-for-c2-ip-address.json", "stix", "ip=1", "" },
        { "stix/examples/indicator-to-campaign-relationship.json", "stix", "ip=1", "campaign object ×1; relationship object ×1" },
        { "stix/examples/indicators-for-C2-with-COA.json", "stix", "sha256=1, ip=1", "course-of-action object ×1; identity object ×1; malware object ×1; relationship object ×3" },
        { "stix/examples/infrastructure.json", "stix", "", "domain-name object ×1; infrastructure object ×2; ipv4-addr object ×1; malware object ×2; relationship object ×4" },
        { "stix/examples/interop-objectmarking-test.json", "stix", "", "campaign object ×1" },
        {
            "stix/examples/malicious-email-indicator-with-attachment.json", "stix", "",
            "attack-pattern object ×1; identity object ×1; indicator: no part can be looked up (email-message:body_multipart[*].body_raw_ref.name MATCHES) ×1; " +
            "indicator: no part can be looked up (email-message:subject MATCHES) ×1; relationship object ×2"
        },
        {
            "stix/examples/threat-reports/apt1.json", "stix", "md5=3, domain=3, ip=4",
            "attack-pattern object ×7; identity object ×4; indicator: no part can be looked up (x509-certificate:issuer, x509-certificate:serial_number) ×2; intrusion-set object ×1; " +
            "malware object ×6; relationship object ×30; report object ×1; threat-actor object ×5; tool object ×10"
        },
        {
            "stix/examples/threat-reports/poisonivy.json", "stix", "domain=24, ip=18",
            "attack-pattern object ×3; campaign object ×3; course-of-action object ×1; identity object ×1; indicator: no part can be looked up (file:name) ×2; malware object ×25; " +
            "relationship object ×90; report object ×1; vulnerability object ×6"
        },
        { "misp/attribute.json", "misp", "", "MISP attribute of type 'filename' ×1" },
        { "misp/event.json", "misp", "", "" },
        { "misp/event_obj_attr_tag.json", "misp", "url=1", "MISP attribute of type 'filename' ×1" },
        { "misp/existing_event.json", "misp", "sha1=37, domain=18, ip=11", "MISP attribute of type 'filename' ×15; MISP attribute of type 'link' ×1; MISP attribute of type 'text' ×38" },
        { "misp/malware.json", "misp", "", "MISP attribute of type 'malware-sample' ×1" },
        { "misp/shadow.json", "misp", "", "MISP attribute of type 'filename' ×2; MISP attribute of type 'text' ×1" },
    };

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_feed_imports_with_exact_counts_per_kind_and_names_what_it_skips(string file, string format, string counts, string skipped)
    {
        var (reading, problems) = Read(Corpus.File("intel", file));

        Assert.Equal(format, reading.Format);
        Assert.Equal(counts, Counts(reading));
        Assert.Equal(skipped, Skipped(reading));
        // Only the Poison Ivy report has a bad value (its own test names it).
        Assert.Equal(file.EndsWith("poisonivy.json", StringComparison.Ordinal) ? 1 : 0, problems.Count);
    }

    [Fact]
    public void Every_json_file_of_the_intel_corpus_is_in_the_table()
    {
        var listed = CorpusFiles.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);
        var root = Corpus.File("intel");
        var files = Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Where(f => !f.StartsWith("stix/schemas", StringComparison.Ordinal));

        Assert.All(files, f => Assert.Contains(f, listed));
    }

    [Fact]
    public void The_poisonivy_report_keeps_its_one_bad_domain_as_a_problem_naming_the_object()
    {
        var (reading, problems) = Read(Corpus.File("intel", "stix", "examples", "threat-reports", "poisonivy.json"));

        // The report writes one value as "domain autuo.xicp.net": a problem, and the rest of that indicator still imports.
        var problem = Assert.Single(problems);
        Assert.EndsWith("poisonivy.json", problem.File, StringComparison.Ordinal);
        Assert.Matches(@"^object \d+ \(indicator--[0-9a-f-]+\): 'domain autuo\.xicp\.net' is not a valid domain$", problem.Reason);
        Assert.Contains(reading.Indicators, i => i.Value == "www.webserver.dynssl.com");
    }

    [Fact]
    public void A_stix_hash_indicator_keeps_its_feed_dates_and_description()
    {
        var (reading, _) = Read(Corpus.File("intel", "stix", "examples", "indicators-for-C2-with-COA.json"));

        var hash = reading.Indicators.Single(i => i.Kind == IndicatorKind.Sha256);
        Assert.Equal("ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", hash.Value);
        Assert.Equal("indicators-for-C2-with-COA.json", hash.Feed);
        Assert.Equal("File hash for Poison Ivy variant: Test description.", hash.Description);
        Assert.Equal(new DateTimeOffset(2014, 5, 8, 9, 0, 0, TimeSpan.Zero), hash.ValidFrom);
        Assert.Null(hash.ValidUntil);
        Assert.Equal(["malicious-activity"], hash.Labels);
        Assert.Equal("indicator--a932fcc6-e032-476c-826f-cb970a5a1ade", hash.Reference);
    }

    [Fact]
    public void Apt1_cidr_blocks_are_read_as_blocks_and_lower_case_md5_paths_as_hashes()
    {
        var (reading, _) = Read(Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"));

        Assert.Contains(reading.Indicators, i => i is { Kind: IndicatorKind.Ip, Value: "223.166.0.0/15" });
        Assert.Contains(reading.Indicators, i => i is { Kind: IndicatorKind.Domain, Value: "hugesoft.org" });
        Assert.Equal(3, reading.Indicators.Count(i => i.Kind == IndicatorKind.Md5 && i.Value.Length == 32));
    }

    [Fact]
    public void Misp_attributes_keep_to_ids_tags_and_the_event_info()
    {
        var (reading, _) = Read(Corpus.File("intel", "misp", "existing_event.json"));

        var domain = reading.Indicators.Single(i => i.Value == "movieultimate.com");
        Assert.True(domain.Alert);
        Assert.Equal(IndicatorKind.Domain, domain.Kind);
        Assert.StartsWith("OSINT - Sednit update: How Fancy Bear Spent the Year", domain.Description, StringComparison.Ordinal);
        Assert.Contains("tlp:white", domain.Labels);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1513893957), domain.LastSeen);
        Assert.Equal(new DateTimeOffset(2017, 12, 21, 0, 0, 0, TimeSpan.Zero), domain.FirstSeen);
        var hash = reading.Indicators.Single(i => i.Value == "68064fc152e23d56e541714af52651cb4ba81aaf");
        Assert.Equal(IndicatorKind.Sha1, hash.Kind);
        Assert.Contains("file object", hash.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Abuse_ch_exports_read_by_their_documented_columns()
    {
        var (urlhaus, urlProblems) = Read(IntelFixtures.File("urlhaus-recent.csv"));
        Assert.Equal("urlhaus-csv", urlhaus.Format);
        Assert.Equal("url=3", Counts(urlhaus));
        Assert.Equal(
            ["http://203.0.113.77:44311/i", "http://update-check.example/bins/x86?id=7", "https://files.payload-drop.example/stage2/loader.sh"],
            urlhaus.Indicators.Select(i => i.Value).Order(StringComparer.Ordinal));
        var problem = Assert.Single(urlProblems);
        Assert.Equal((13, "'not a url' is not an http(s) or ftp URL"), (problem.Line!.Value, problem.Reason));

        var (threatfox, foxProblems) = Read(IntelFixtures.File("threatfox-recent.csv"));
        Assert.Equal("threatfox-csv", threatfox.Format);
        Assert.Equal("sha256=1, domain=1, ip=1, url=1", Counts(threatfox));
        Assert.Equal("ThreatFox IOC of type 'sha3_384_hash' ×1", Skipped(threatfox));
        var c2 = threatfox.Indicators.Single(i => i.Kind == IndicatorKind.Ip);
        Assert.Equal(("198.51.100.23", 100, "ThreatFox: botnet_cc of Cobalt Strike"), (c2.Value, c2.Confidence!.Value, c2.Description));
        Assert.Equal(["botnet_cc", "c2", "CobaltStrike"], c2.Labels);
        Assert.Equal((15, "line 15: '300.1.2.3:80' is not a valid ip:port"), (Assert.Single(foxProblems).Line!.Value, foxProblems[0].Reason));

        var (json, jsonProblems) = Read(IntelFixtures.File("threatfox-export.json"));
        Assert.Equal(("threatfox-json", "domain=1, ip=1"), (json.Format, Counts(json)));
        Assert.Empty(jsonProblems);

        var (bazaar, bazaarProblems) = Read(IntelFixtures.File("malwarebazaar-recent.csv"));
        Assert.Equal(("malwarebazaar-csv", "sha256=2, sha1=2, md5=2"), (bazaar.Format, Counts(bazaar)));
        Assert.Contains(bazaar.Indicators, i => i.Value == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        Assert.Equal("MalwareBazaar: AgentTesla (invoice.exe)", bazaar.Indicators.First(i => i.Kind == IndicatorKind.Md5).Description);
        Assert.Equal((12, "sha256_hash 'not-a-hash' is not a sha256 hash"), (Assert.Single(bazaarProblems).Line!.Value, bazaarProblems[0].Reason));
    }

    [Fact]
    public void A_plain_list_is_refanged_and_each_kind_guessed_and_a_line_that_is_none_is_a_problem()
    {
        var (reading, problems) = Read(IntelFixtures.File("blocklist.txt"));

        Assert.Equal("list", reading.Format);
        Assert.Equal(
            ["domain exfil-collector.example", "domain tunnel-relay.example", "domain xn--bcher-beispiel-gsb.example", "ip 192.0.2.44", "ip 198.51.100.0/24",
             "md5 7815696ecbf1c96e6894b779456d330e", "url https://paste-drop.example/raw/ab12"],
            reading.Indicators.Select(i => $"{IndicatorKinds.Name(i.Kind)} {i.Value}").Order(StringComparer.Ordinal));
        Assert.All(reading.Indicators, i => Assert.Equal("listed in blocklist.txt (kind guessed from the value)", i.Description));
        var problem = Assert.Single(problems);
        Assert.Equal((9, "'this' is not a hash, IP address or CIDR block, domain, URL or e-mail address"), (problem.Line!.Value, problem.Reason));
    }

    [Fact]
    public void A_csv_with_a_type_column_reads_each_row_as_its_type()
    {
        var (reading, problems) = Read(IntelFixtures.File("typed.csv"));

        Assert.Equal(("typed-csv", "sha1=1, domain=1, ip=1, url=1"), (reading.Format, Counts(reading)));
        Assert.Contains(reading.Indicators, i => i is { Kind: IndicatorKind.Ip, Value: "2001:db8:dead::/48", Confidence: 60 });
        Assert.Contains(reading.Indicators, i => i is { Kind: IndicatorKind.Url, Value: "http://203.0.113.9/x.sh" });
        Assert.Equal((6, "unknown indicator type 'mutex' (one of sha256, sha1, md5, domain, ip, url, email)"), (Assert.Single(problems).Line!.Value, problems[0].Reason));
    }

    [Fact]
    public void Truncated_json_is_a_problem_with_its_line_and_nothing_is_imported()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pw-trunc-{Guid.NewGuid():N}.json");
        try
        {
            var text = File.ReadAllText(Corpus.File("intel", "stix", "examples", "indicators-for-C2-with-COA.json"));
            File.WriteAllText(path, text[..(text.Length / 2)]);
            var (reading, problems) = Read(path);

            Assert.Empty(reading.Indicators);
            var problem = Assert.Single(problems);
            Assert.Equal(path, problem.File);
            Assert.True(problem.Line > 1);
            Assert.StartsWith("invalid JSON at byte ", problem.Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_bundle_with_a_bad_pattern_and_wrong_types_reports_each_and_imports_the_rest()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pw-bad-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """
                {"type":"bundle","id":"bundle--1","objects":[
                  {"type":"indicator","spec_version":"2.1","id":"indicator--a","pattern_type":"stix","pattern":"[domain-name:value = 'c2.bad.example'","valid_from":"2020-01-01T00:00:00Z"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--b","pattern_type":"stix","pattern":42},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--c","pattern_type":"stix","pattern":"[url:value = 'http://c2.bad.example/gate'] OR [ipv6-addr:value = '2001:db8::1']","confidence":"high"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--d","pattern_type":"sigma","pattern":"title: x"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--e","pattern_type":"stix","pattern":"[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--f","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.2'] WITHIN 60 SECONDS"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--g","pattern_type":"stix","pattern":"[file:hashes.'SHA-256' = 'AB' AND file:name = 'x']"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--h","pattern_type":"stix","pattern":"[ipv4-addr:value ISSUBSET '203.0.113.0/24' OR ipv4-addr:value IN ('192.0.2.7', '192.0.2.8')]","revoked":true},
                  "a string"
                ]}
                """);
            var (reading, problems) = Read(path);

            Assert.Equal(
                ["object 0 (indicator--a): bad pattern: pattern ends where ']' is expected"],
                problems.Select(p => p.Reason));
            Assert.Equal("ip=4, url=1", Counts(reading));
            Assert.All(reading.Indicators.Where(i => i.Reference == "indicator--h"), i => Assert.True(i.Revoked));
            Assert.Null(reading.Indicators.Single(i => i.Kind == IndicatorKind.Url).Confidence);
            Assert.Equal(
                "STIX object without a type ×1; indicator with pattern_type 'sigma' ×1; indicator without a pattern ×1; indicator: a qualifier (WITHIN, REPEATS, START/STOP) spans several events ×1; " +
                "indicator: no part can be looked up (file:name) ×1; indicator: observations joined by AND or FOLLOWEDBY span several events ×1",
                Skipped(reading));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_misp_attribute_with_the_wrong_types_is_a_problem_and_its_neighbours_import()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pw-misp-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """
                {"response":[{"Event":{"info":"CI exfil","uuid":"e-1","Attribute":[
                  {"type":"domain","value":"exfil.bad.example","to_ids":true,"uuid":"a-1","Tag":[{"name":"misp-galaxy:mitre-attack-pattern=\"Exfiltration Over Web Service - T1567\""}]},
                  {"type":"domain","value":12,"to_ids":true,"uuid":"a-2"},
                  {"type":"ip-dst|port","value":"192.0.2.99|4444","to_ids":"1","uuid":"a-3"},
                  {"type":"url","value":"hxxps://exfil[.]bad[.]example/u","to_ids":false,"uuid":"a-4"},
                  {"type":"sha256","value":"aa","to_ids":true,"uuid":"a-5"},
                  {"type":"domain","value":"gone.bad.example","to_ids":true,"deleted":true,"uuid":"a-6"}
                ]}}]}
                """);
            var (reading, problems) = Read(path);

            Assert.Equal(
                ["event 1 (e-1): an attribute without a string 'type' and 'value' (uuid a-2)", "event 1, attribute a-5: sha256 'aa' is not a valid sha256"],
                problems.Select(p => p.Reason));
            Assert.Equal("domain=1, ip=1, url=1", Counts(reading));
            Assert.Equal("deleted MISP attribute ×1", Skipped(reading));
            Assert.Equal(["T1567"], reading.Indicators.Single(i => i.Kind == IndicatorKind.Domain).Techniques);
            Assert.False(reading.Indicators.Single(i => i.Kind == IndicatorKind.Url).Alert);
            Assert.Equal("https://exfil.bad.example/u", reading.Indicators.Single(i => i.Kind == IndicatorKind.Url).Value);
            Assert.True(reading.Indicators.Single(i => i.Kind == IndicatorKind.Ip).Alert);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
