using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Detectors.Rules;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Rules;

/// <summary>Sigma rules in the engine: real-format input through ingest into a real store, the exact finding, deduplication, silence on normal input.</summary>
public sealed class SigmaRuleDetectorTests
{
    private const string SamlRule = "github_saml_sso_disabled.yml";

    // Only the Sigma detector runs, so the other audit-log detectors' findings do not mix in.
    private static readonly PipeWatchConfig SigmaOnly = PipeWatchConfig.Default with
    {
        Disabled = BuiltInDetectors.Create(PipeWatchConfig.Default).Select(d => d.Info.Id).Where(id => id != SigmaRuleDetector.Id).ToHashSet(StringComparer.Ordinal),
    };

    [Fact]
    public async Task Saml_sso_turned_off_in_the_audit_log_is_reported_with_the_rule_s_id_category_and_techniques()
    {
        using var temp = new TempFolder();
        var log = Write(temp, "audit.jsonl",
            """
            {"@timestamp": 1763800000000, "_document_id": "d-1", "action": "repo.create", "actor": "alice", "org": "acme", "repo": "acme/payments-api"}
            {"@timestamp": 1763800060000, "_document_id": "d-2", "action": "org.saml_disabled", "actor": "mallory", "actor_ip": "203.0.113.7", "org": "acme", "repo": "acme/payments-api"}
            """);

        var result = await Ingest.RunAsync(temp.File("store.db"), [log], SigmaOnly);

        var finding = Assert.Single(result.Findings, f => f.Title == "SAML single sign-on turned off for an organization");
        var rule = PackRule(SamlRule);
        Assert.Equal(rule.Id, finding.Rule);
        Assert.Equal(Categories.PermissionWidened, finding.Category);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal(["T1556"], finding.Techniques);
        Assert.Equal(new Entity("acme/payments-api", Actor: "mallory"), finding.Entity);
        Assert.Equal(log, finding.Location.File);
        Assert.Equal(2, finding.Location.Line);
        Assert.Equal(Fingerprint.Of(rule.Id!, "github:audit:d-2"), finding.Fingerprint);
        Assert.Contains("selection (action)", finding.Explanation);
        Assert.Contains(finding.Evidence, e => e.Name == "action" && e.Value == "org.saml_disabled");
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task The_same_event_ingested_again_raises_nothing_new()
    {
        using var temp = new TempFolder();
        var log = Write(temp, "audit.jsonl", """{"@timestamp": 1763800060000, "_document_id": "d-2", "action": "org.saml_disabled", "actor": "mallory", "org": "acme", "repo": "acme/payments-api"}""" + "\n");
        var copy = Write(temp, "again/audit.jsonl", File.ReadAllText(log));

        var first = await Ingest.RunAsync(temp.File("store.db"), [log], SigmaOnly);
        var second = await Ingest.RunAsync(temp.File("store.db"), [copy], SigmaOnly);

        Assert.Single(first.Findings);
        Assert.Empty(second.Findings);
    }

    [Fact]
    public async Task Normal_audit_and_runner_events_raise_nothing()
    {
        using var temp = new TempFolder();
        var pack = Path.Combine(Corpus.RepositoryRoot, "rules", "sigma");
        var normal = Directory.GetFiles(pack, "*.nomatch.jsonl", SearchOption.AllDirectories);

        var result = await Ingest.RunAsync(temp.File("store.db"), normal, SigmaOnly);

        Assert.True(result.Summary.Events >= normal.Length, "every no-match file has events");
        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task A_token_in_a_runner_command_line_is_reported_redacted()
    {
        using var temp = new TempFolder();
        var token = "ghp_" + new string('k', 18) + "Q7w2Zr9LmX4vN3tY1p";
        var telemetry = Write(temp, "runner.jsonl",
            $$$"""{"@timestamp": "2026-11-20T10:00:00Z", "event": {"category": "process", "id": "p-1"}, "process": {"executable": "/usr/bin/git", "command_line": "git clone https://x:{{{token}}}@github.com/acme/api.git"}, "ci": {"repository": "acme/api", "run_id": "42", "job": "build"}}""" + "\n");

        var result = await Ingest.RunAsync(temp.File("store.db"), [telemetry], SigmaOnly);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Categories.SecretInLog, finding.Category);
        Assert.Equal(new Entity("acme/api", Job: "build"), finding.Entity);
        Assert.Equal("42", finding.Location.RunId);
        Assert.DoesNotContain(result.Findings, f => f.Explanation.Contains(token, StringComparison.Ordinal) || f.Evidence.Any(e => e.Value.Contains(token, StringComparison.Ordinal)));
        Assert.Contains(finding.Evidence, e => e.Name == "CommandLine|contains|cased" && e.Value.Contains("chars, sha256:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rules_from_a_configured_folder_run_with_categories_from_their_tags_or_the_default()
    {
        using var temp = new TempFolder();
        Write(temp, "my-rules/deleted.yml", Rule("8a1b2c3d-0000-4000-8000-000000000001", "Repository deleted", "repo.destroy", "attack.impact\n    - attack.t1485"));
        Write(temp, "my-rules/hook.yml", Rule("8a1b2c3d-0000-4000-8000-000000000002", "Webhook added", "hook.create", "attack.t1098"));
        var log = Write(temp, "audit.jsonl",
            """
            {"@timestamp": 1763800000000, "_document_id": "d-1", "action": "repo.destroy", "actor": "mallory", "org": "acme", "repo": "acme/old"}
            {"@timestamp": 1763800060000, "_document_id": "d-2", "action": "hook.create", "actor": "mallory", "org": "acme", "repo": "acme/api"}
            """);
        var config = SigmaOnly with { Sigma = new SigmaRulesOptions { Folders = [temp.File("my-rules")] } };

        var result = await Ingest.RunAsync(temp.File("store.db"), [log], config);

        Assert.Equal(
            [("8a1b2c3d-0000-4000-8000-000000000001", Categories.RuleMatch, "T1485"), ("8a1b2c3d-0000-4000-8000-000000000002", Categories.PermissionWidened, "T1098")],
            result.Findings.Select(f => (f.Rule, f.Category, f.Techniques.Single())).OrderBy(f => f.Rule, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_field_mapping_named_by_pipewatch_yml_lets_a_rule_read_its_own_field_name()
    {
        using var temp = new TempFolder();
        Write(temp, "my-rules/operation.yml", """
            title: Webhook added, by operation
            id: 8a1b2c3d-0000-4000-8000-000000000003
            level: low
            logsource:
                product: github
                service: audit
            detection:
                selection:
                    Operation: 'hook.create'
                condition: selection
            """);
        Write(temp, "fields.yml", "fields:\n  Operation: event.action\n");
        var log = Write(temp, "audit.jsonl", """{"@timestamp": 1763800060000, "_document_id": "d-2", "action": "hook.create", "actor": "mallory", "org": "acme", "repo": "acme/api"}""" + "\n");
        var plain = ConfigLoader.LoadFile(Write(temp, "plain/pipewatch.yml", "sigma:\n  builtin: false\n  rules: [../my-rules]\n"));
        var mapped = ConfigLoader.LoadFile(Write(temp, "mapped/pipewatch.yml", "sigma:\n  builtin: false\n  rules: [../my-rules]\n  field-mapping: ../fields.yml\n"));

        var without = await Ingest.RunAsync(temp.File("plain.db"), [log], SigmaOnly with { Sigma = plain.Sigma });
        var with = await Ingest.RunAsync(temp.File("mapped.db"), [log], SigmaOnly with { Sigma = mapped.Sigma });

        Assert.Equal(temp.File("fields.yml"), mapped.Sigma.FieldMapping);
        Assert.Empty(without.Findings);
        var finding = Assert.Single(with.Findings);
        Assert.Equal(("8a1b2c3d-0000-4000-8000-000000000003", "Webhook added, by operation"), (finding.Rule, finding.Title));
        Assert.Empty(without.Problems);
        Assert.Empty(with.Problems);
    }

    private static string Rule(string id, string title, string action, string tags) => $"""
        title: {title}
        id: {id}
        level: low
        tags:
            - {tags}
        logsource:
            product: github
            service: audit
        detection:
            selection:
                action: '{action}'
            condition: selection
        """;

    private static string Write(TempFolder temp, string name, string text)
    {
        var path = temp.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static SigmaRule PackRule(string file) => SigmaRuleSources.BuiltIn().Select(r => r.Rule).OfType<SigmaRule>().Single(r => r.File.EndsWith("/" + file, StringComparison.Ordinal));
}
