using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using PipeWatch.Configuration;
using PipeWatch.Engine;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Configuration;

/// <summary>
/// Every key of the settings tables in docs/detectors.md, set to a value that is not its default, reaches its own option and
/// no other. The keys come from the tables (and the reader's own lists are checked against them), so a key documented or
/// accepted later fails here until it is given a value below.
/// </summary>
public sealed partial class DocumentedSettingsTests : IDisposable
{
    private const BindingFlags Instance = BindingFlags.Public | BindingFlags.Instance;
    private readonly TempFolder _temp = new();

    /// <summary>Documented key → its YAML value (one line, flow style), the option it sets (property path on <see cref="PipeWatchConfig"/>) and that option as <see cref="Show"/> prints it.</summary>
    private IReadOnlyDictionary<string, (string Yaml, string Option, string Expected)> NonDefault => new Dictionary<string, (string, string, string)>(StringComparer.Ordinal)
    {
        ["detectors.pipeline.long-duration.min-samples"] = ("15", "LongDuration.MinimumSamples", "15"),
        ["detectors.pipeline.long-duration.threshold"] = ("5.5", "LongDuration.Threshold", "5.5"),
        ["detectors.pipeline.long-duration.min-ratio"] = ("2", "LongDuration.MinimumRatio", "2"),
        ["detectors.pipeline.long-duration.min-increase"] = ("45s", "LongDuration.MinimumIncrease", "00:00:45"),
        ["detectors.pipeline.step-order-changed.min-samples"] = ("8", "StepOrderChanged.MinimumSamples", "8"),
        ["detectors.pipeline.step-order-changed.adopt-after"] = ("4", "StepOrderChanged.AdoptAfter", "4"),
        ["detectors.pipeline.unexpected-failure.min-samples"] = ("12", "UnexpectedFailure.MinimumSamples", "12"),
        ["detectors.pipeline.unexpected-failure.max-failure-rate"] = ("0.1", "UnexpectedFailure.MaximumFailureRate", "0.1"),
        ["detectors.pipeline.repeated-failures.streak"] = ("5", "RepeatedFailures.Streak", "5"),
        ["detectors.secrets.hardcoded.paths"] = ("['**/fixtures/**']", "HardcodedSecret.Paths", "[**/fixtures/**]"),
        ["detectors.secrets.hardcoded.regexes"] = ("['EXAMPLE$']", "HardcodedSecret.Regexes", "[/EXAMPLE$/]"),
        ["detectors.secrets.hardcoded.stopwords"] = ("[dummy]", "HardcodedSecret.Stopwords", "[dummy]"),
        ["detectors.secrets.hardcoded.enabled"] = ("false", "Disabled", "[secrets.hardcoded]"),
        ["detectors.secrets.unauthorized-access.min-samples"] = ("7", "UnauthorizedSecretAccess.MinimumSamples", "7"),
        ["detectors.secrets.unauthorized-access.broad-scopes"] = ("[repo]", "UnauthorizedSecretAccess.BroadScopes", "[repo]"),
        ["detectors.access.suspicious-login.failure-burst"] = ("7", "SuspiciousLogin.FailureBurst", "7"),
        ["detectors.access.suspicious-login.failure-window"] = ("15m", "SuspiciousLogin.FailureWindow", "00:15:00"),
        ["detectors.access.suspicious-login.min-samples"] = ("30", "SuspiciousLogin.MinimumSamples", "30"),
        ["detectors.access.suspicious-login.report-new-ip"] = ("false", "SuspiciousLogin.ReportNewIp", "false"),
        ["detectors.access.suspicious-login.max-speed-kmh"] = ("1200", "SuspiciousLogin.MaximumSpeedKmh", "1200"),
        ["detectors.access.suspicious-login.min-distance-km"] = ("800", "SuspiciousLogin.MinimumDistanceKm", "800"),
        ["detectors.access.suspicious-login.min-hour-samples"] = ("60", "SuspiciousLogin.MinimumHourSamples", "60"),
        ["detectors.access.suspicious-login.max-hour-share"] = ("0.02", "SuspiciousLogin.MaximumHourShare", "0.02"),
        ["detectors.access.permission-widened.webhook-domains"] = ("[hooks.slack.com]", "PermissionWidened.WebhookDomains", "[hooks.slack.com]"),
        ["detectors.deployment.unapproved-target.min-samples"] = ("6", "UnapprovedTarget.MinimumSamples", "6"),
        ["detectors.deployment.unapproved-target.approved"] = (
            "[{repository: 'acme/*', environments: [production], targets: ['k8s://prod/*']}]", "UnapprovedTarget.Approved",
            "[{Repository: acme/*, Environments: [production], Targets: [k8s://prod/*]}]"),
        ["detectors.deployment.excessive-frequency.weeks"] = ("10", "ExcessiveFrequency.Weeks", "10"),
        ["detectors.deployment.excessive-frequency.min-weeks"] = ("4", "ExcessiveFrequency.MinimumWeeks", "4"),
        ["detectors.deployment.excessive-frequency.min-count"] = ("6", "ExcessiveFrequency.MinimumCount", "6"),
        ["detectors.deployment.excessive-frequency.probability"] = ("0.01", "ExcessiveFrequency.Probability", "0.01"),
        ["detectors.deployment.excessive-frequency.burst-count"] = ("8", "ExcessiveFrequency.BurstCount", "8"),
        ["detectors.deployment.excessive-frequency.burst-window"] = ("20m", "ExcessiveFrequency.BurstWindow", "00:20:00"),
        ["detectors.deployment.unusual-actor.min-samples"] = ("11", "UnusualDeployActor.MinimumSamples", "11"),
        ["detectors.deployment.unusual-actor.bots"] = ("['deploy-*']", "UnusualDeployActor.Bots", "[deploy-*]"),
        ["detectors.deployment.unusual-actor.min-hour-samples"] = ("25", "UnusualDeployActor.MinimumHourSamples", "25"),
        ["detectors.deployment.unusual-actor.hour-window"] = ("2", "UnusualDeployActor.HourWindow", "2"),
        ["detectors.deployment.unusual-actor.max-hour-share"] = ("0.05", "UnusualDeployActor.MaximumHourShare", "0.05"),
        ["detectors.code-change.unauthorized-author.min-samples"] = ("13", "UnauthorizedAuthor.MinimumSamples", "13"),
        ["detectors.code-change.unauthorized-author.signed-share"] = ("0.8", "UnauthorizedAuthor.SignedShare", "0.8"),
        ["detectors.code-change.unauthorized-author.authors"] = (
            "[{repository: 'acme/*', paths: ['.github/**'], allow: ['alice@acme.example']}]", "UnauthorizedAuthor.Authors",
            "[{Repository: acme/*, Paths: [.github/**], Allow: [alice@acme.example]}]"),
        ["detectors.code-change.unauthorized-author.bots"] = ("['renovate*']", "UnauthorizedAuthor.Bots", "[renovate*]"),
        ["detectors.code-change.unusual-time.min-samples"] = ("25", "UnusualCommitTime.MinimumSamples", "25"),
        ["detectors.code-change.unusual-time.hour-window"] = ("3", "UnusualCommitTime.HourWindow", "3"),
        ["detectors.code-change.unusual-time.max-hour-share"] = ("0.02", "UnusualCommitTime.MaximumHourShare", "0.02"),
        ["detectors.code-change.unusual-time.bots"] = ("['ci-*']", "UnusualCommitTime.Bots", "[ci-*]"),
        ["detectors.code-change.unusual-time.min-hour-distance"] = ("5", "UnusualCommitTime.MinimumHourDistance", "5"),
        ["detectors.code-change.unusual-time.max-model-share"] = ("0.05", "UnusualCommitTime.MaximumModelShare", "0.05"),
        ["detectors.code-change.unusual-location.min-samples"] = ("14", "UnusualCommitLocation.MinimumSamples", "14"),
        ["detectors.code-change.unusual-location.offset-tolerance"] = ("90", "UnusualCommitLocation.OffsetTolerance", "90"),
        ["detectors.code-change.unusual-location.bots"] = ("['build-*']", "UnusualCommitLocation.Bots", "[build-*]"),
        ["detectors.code-change.large-deletion.min-samples"] = ("22", "LargeDeletion.MinimumSamples", "22"),
        ["detectors.code-change.large-deletion.threshold"] = ("8", "LargeDeletion.Threshold", "8"),
        ["detectors.code-change.large-deletion.min-lines"] = ("500", "LargeDeletion.MinimumLines", "500"),
        ["detectors.code-change.obfuscated-code.minified-line-length"] = ("800", "ObfuscatedCode.MinifiedLineLength", "800"),
        ["detectors.code-change.pipeline-tampering.level"] = ("pedantic", "PipelineTampering.Level", "pedantic"),
        ["detectors.secrets.exposed-in-log.decode-depth"] = ("3", "SecretExposedInLog.DecodeDepth", "3"),
        ["detectors.secrets.exposed-in-log.min-encoded-length"] = ("32", "SecretExposedInLog.MinimumEncodedLength", "32"),
        ["detectors.dependency.untrusted-source.registries"] = ("[npm.internal.example]", "UntrustedSource.Registries", "[npm.internal.example]"),
        ["detectors.dependency.untrusted-source.allow-git"] = ("true", "UntrustedSource.AllowGit", "true"),
        ["detectors.network.unusual-egress.min-runs"] = ("8", "UnusualEgress.MinimumRuns", "8"),
        ["detectors.network.unusual-egress.allow"] = ("['*.corp.example', '10.0.0.0/8']", "UnusualEgress.Allow", "[*.corp.example, 10.0.0.0/8]"),
        ["detectors.network.unusual-egress.allow-well-known"] = ("false", "UnusualEgress.AllowWellKnown", "false"),
        ["detectors.performance.resource-spike.min-samples"] = ("9", "ResourceSpike.MinimumSamples", "9"),
        ["detectors.performance.resource-spike.threshold"] = ("6", "ResourceSpike.Threshold", "6"),
        ["detectors.performance.resource-spike.min-ratio"] = ("2.5", "ResourceSpike.MinimumRatio", "2.5"),
        ["detectors.performance.resource-spike.min-cpu-increase"] = ("30", "ResourceSpike.MinimumCpuIncreaseSeconds", "30"),
        ["detectors.performance.resource-spike.min-memory-increase-mib"] = ("512", "ResourceSpike.MinimumMemoryIncreaseBytes", "536870912"),
        ["detectors.performance.resource-spike.min-sent-increase-mib"] = ("100", "ResourceSpike.MinimumSentIncreaseBytes", "104857600"),
        ["detectors.performance.resource-spike.min-duration-increase"] = ("2m", "ResourceSpike.MinimumDurationIncrease", "00:02:00"),
        ["detectors.performance.resource-spike.sustained-busy-seconds"] = ("120", "ResourceSpike.SustainedBusySeconds", "120"),
        ["incidents.window"] = ("2h", "Incidents.Window", "02:00:00"),
        ["sigma.builtin"] = ("false", "Sigma.BuiltIn", "false"),
        ["sigma.rules"] = ("[detections]", "Sigma.Folders", $"[{_temp.File("detections")}]"),
        ["sigma.field-mapping"] = ("sigma-fields.yml", "Sigma.FieldMapping", _temp.File("sigma-fields.yml")),
        ["sigma.placeholders"] = ("{admins: [alice, bob]}", "Sigma.Placeholders", "[{Key: admins, Value: [alice, bob]}]"),
        ["sigma.max-groups"] = ("500", "Sigma.MaxGroups", "500"),
        ["signals.enabled"] = ("false", "Signals.Enabled", "false"),
        ["signals.threshold"] = ("70", "Signals.Threshold", "70"),
        ["signals.window"] = ("2d", "Signals.Window", "2.00:00:00"),
        ["serve.max-body-bytes"] = ("1048576", "Serve.MaxBodyBytes", "1048576"),
        ["serve.backlog"] = ("500", "Serve.Backlog", "500"),
        ["serve.github-api-url"] = ("'https://ghe.example/api/v3'", "Serve.GitHubApiUrl", "https://ghe.example/api/v3"),
        ["serve.gitlab-api-url"] = ("'https://gitlab.example/api/v4'", "Serve.GitLabApiUrl", "https://gitlab.example/api/v4"),
        ["serve.github-webhook-secrets"] = ("[first, second]", "Serve.GitHubWebhookSecrets", "[first, second]"),
        ["serve.gitlab-webhook-token"] = ("gitlab-token", "Serve.GitLabWebhookToken", "gitlab-token"),
        ["serve.ingest-token"] = ("ingest-token", "Serve.IngestToken", "ingest-token"),
        ["serve.repositories"] = (
            "[{name: acme/app, url: 'https://github.com/acme/app.git', credentials-env: APP_TOKEN, poll: 10m}]", "Serve.Repositories",
            "[{Name: acme/app, Url: https://github.com/acme/app.git, CredentialsVariable: APP_TOKEN, Poll: 00:10:00}]"),
        ["serve.queue-partitions"] = ("64", "Serve.QueuePartitions", "64"),
        ["serve.queue-ack-wait"] = ("2m", "Serve.QueueAckWait", "00:02:00"),
        ["serve.data-folder"] = ("/var/lib/pipewatch-serve", "Serve.DataFolder", "/var/lib/pipewatch-serve"),
        ["serve.public-url"] = ("'https://pipewatch.example.org'", "Serve.PublicUrl", "https://pipewatch.example.org"),
        ["serve.vulndb-url"] = ("'https://osv-mirror.example.org/osv'", "Serve.VulnDbUrl", "https://osv-mirror.example.org/osv"),
        ["serve.vulndb-interval"] = ("12h", "Serve.VulnDbInterval", "12:00:00"),
        ["serve.vulndb-ecosystems"] = ("[npm, Debian:12]", "Serve.VulnDbEcosystems", "[npm, Debian:12]"),
        ["serve.audit-logs"] = (
            "[{github-organization: acme, phrase: 'action:repo', interval: 10m, since: 2d, per-page: 50, token-env: AUDIT_TOKEN}, {gitlab-group: 42}]", "Serve.AuditLogs",
            "[{Platform: github, Path: orgs/acme/audit-log, Phrase: action:repo, Interval: 00:10:00, PerPage: 50, Since: 2.00:00:00, TokenVariable: AUDIT_TOKEN, Name: github:orgs/acme/audit-log}, "
            + "{Platform: gitlab, Path: groups/42/audit_events, Phrase: null, Interval: 00:05:00, PerPage: 100, Since: 1.00:00:00, TokenVariable: PIPEWATCH_GITLAB_TOKEN, Name: gitlab:groups/42/audit_events}]"),
        ["serve.ci-servers"] = (
            "[{jenkins: 'https://jenkins.example', user: pw, token: '${env:JENKINS_TOKEN}', interval: 2h}, {github-repository: acme/api, api-url: 'https://ghe.example/api/v3'}]", "Serve.CiServers",
            "[{Kind: jenkins, Url: https://jenkins.example, Scope: null, User: pw, Token: ${env:JENKINS_TOKEN}, Interval: 02:00:00, Name: https://jenkins.example}, "
            + "{Kind: github, Url: https://ghe.example/api/v3, Scope: repos/acme/api, User: null, Token: null, Interval: 01:00:00, Name: github:repos/acme/api}]"),
        ["serve.ci-metrics"] = (
            "[{url: 'https://jenkins.example/prometheus/', name: jenkins-main, user: pw, token: '${env:JENKINS_TOKEN}', interval: 30s, timeout: 5s}, {url: 'http://runner-01:9252/metrics'}]", "Serve.CiMetrics",
            "[{Name: jenkins-main, Url: https://jenkins.example/prometheus/, User: pw, Token: ${env:JENKINS_TOKEN}, Interval: 00:00:30, Timeout: 00:00:05}, "
            + "{Name: runner-01:9252, Url: http://runner-01:9252/metrics, User: null, Token: null, Interval: 00:01:00, Timeout: 00:00:10}]"),
        ["secrets.rules"] = ("gitleaks.toml", "Secrets.Rules", _temp.File("gitleaks.toml")),
        ["secrets.verify"] = ("true", "Secrets.Verify", "true"),
        ["secrets.verify-timeout"] = ("3s", "Secrets.VerifyTimeout", "00:00:03"),
        ["secrets.verify-spacing"] = ("2s", "Secrets.VerifySpacing", "00:00:02"),
        ["secrets.verify-max"] = ("50", "Secrets.VerifyMax", "50"),
        ["secrets.verify-urls"] = ("{github: 'https://ghe.example/api/v3', gitlab: 'https://gitlab.example'}", "Secrets.VerifyUrls",
            "[{Key: github, Value: https://ghe.example/api/v3}, {Key: gitlab, Value: https://gitlab.example}]"),
        ["intel.feeds"] = (
            "[{url: 'https://taxii.example/api/collections/c1/objects/', refresh: 2h, auth-header: 'Authorization: Bearer ${env:TAXII_TOKEN}'}]", "Intel.Feeds",
            "[{Source: https://taxii.example/api/collections/c1/objects/, Name: taxii.example/api/collections/c1/objects, Format: null, Refresh: 02:00:00, "
            + "Lifetime: 90.00:00:00, AuthHeader: Authorization: Bearer ${env:TAXII_TOKEN}, IsUrl: true, IsTaxii: true}]"),
    };

    [Fact]
    public void Every_key_of_the_settings_tables_has_a_non_default_value_here()
    {
        var documented = DocumentedKeys();

        Assert.True(documented.Count > 60, $"only {documented.Count} keys read from docs/detectors.md: has the table format changed?");
        Assert.Equal(documented.Order(StringComparer.Ordinal), NonDefault.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_the_reader_accepts_is_in_the_settings_tables()
    {
        // The reader names the keys it accepts when it meets an unknown one (the detector ids too); 'enabled' is common to
        // every detector section.
        var accepted = new List<string>();
        foreach (var section in AcceptedKeys("detectors:\n  no-such-detector:\n    threshold: 1\n"))
        {
            accepted.AddRange(AcceptedKeys($"detectors:\n  {section}:\n    no-such-key: 1\n").Where(k => k != "enabled").Select(k => $"detectors.{section}.{k}"));
        }

        accepted.AddRange(AcceptedKeys("incidents:\n  no-such-key: 1\n").Select(k => $"incidents.{k}"));
        accepted.AddRange(AcceptedKeys("sigma:\n  no-such-key: 1\n").Select(k => $"sigma.{k}"));
        accepted.AddRange(AcceptedKeys("intel:\n  no-such-key: 1\n").Select(k => $"intel.{k}"));
        accepted.AddRange(AcceptedKeys("secrets:\n  no-such-key: 1\n").Select(k => $"secrets.{k}"));
        // Weights are a map of signal ids (documented as one row, signals.weights.<signal>).
        accepted.AddRange(AcceptedKeys("signals:\n  no-such-key: 1\n").Where(k => k is not "enabled" and not "weights").Select(k => $"signals.{k}"));
        accepted.AddRange(AcceptedKeys("serve:\n  no-such-key: 1\n").Select(k => $"serve.{k}"));

        Assert.Equal(accepted.Order(StringComparer.Ordinal), DocumentedKeys().Where(k => !k.EndsWith(".enabled", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void One_file_with_every_documented_key_set_reaches_each_option()
    {
        var config = ConfigLoader.Parse(Yaml(NonDefault.Keys), _temp.File("pipewatch.yml"));

        Assert.All(NonDefault, entry =>
        {
            var (_, option, expected) = entry.Value;
            Assert.NotEqual(expected, Show(Option(PipeWatchConfig.Default, option)));
            Assert.True(expected == Show(Option(config, option)), $"{entry.Key}: {option} is {Show(Option(config, option))}, expected {expected}");
        });
    }

    [Fact]
    public void Each_documented_key_alone_changes_its_own_option_and_no_other()
    {
        var defaults = Options(PipeWatchConfig.Default);

        Assert.All(NonDefault, entry =>
        {
            var config = ConfigLoader.Parse(Yaml([entry.Key]), _temp.File("pipewatch.yml"));
            var changed = Options(config).Where(o => defaults[o.Key] != o.Value).Select(o => o.Key);
            Assert.True(changed.SequenceEqual([entry.Value.Option]), $"{entry.Key} changed {string.Join(", ", changed)}, expected {entry.Value.Option}");
        });
    }

    /// <summary>The keys of every table headed <c>| key |</c> in docs/detectors.md and docs/serve.md: under a detector's heading <c>detectors.ID.KEY</c>, under <c>| key (under `X`) |</c> <c>X.KEY</c>, and a key with a dot as written.</summary>
    private static List<string> DocumentedKeys()
    {
        var keys = new List<string>();
        string? heading = null;
        string? prefix = null;
        foreach (var line in new[] { "detectors.md", "serve.md" }.SelectMany(file => File.ReadLines(Path.Combine(Corpus.RepositoryRoot, "docs", file))))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                heading = line[3..].Trim();
                prefix = null;
            }
            else if (TableHeader().Match(line) is { Success: true } header)
            {
                prefix = header.Groups["under"].Success ? header.Groups["under"].Value + "." : $"detectors.{heading}.";
            }
            else if (prefix is not null && KeyRow().Match(line) is { Success: true } row)
            {
                var key = row.Groups["key"].Value;
                keys.Add(key.Contains('.', StringComparison.Ordinal) ? key : prefix + key);
            }
            else if (!line.StartsWith('|'))
            {
                prefix = null;
            }
        }

        return keys;
    }

    private static string[] AcceptedKeys(string yaml)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "pipewatch.yml"));
        var list = ExpectedOneOf().Match(Assert.Single(error.Problems)).Groups["keys"].Value;
        return [.. list.Split(", ").Select(k => k.Split(" (")[0])];
    }

    // The keys as a pipewatch.yml: detectors.ID.KEY under detectors → ID, the others under their section.
    private string Yaml(IEnumerable<string> keys)
    {
        var text = new StringBuilder();
        var sections = keys.GroupBy(Section).ToList();
        var detectors = sections.Where(s => s.Key.StartsWith("detectors.", StringComparison.Ordinal)).ToList();
        if (detectors.Count > 0) text.Append("detectors:\n");
        foreach (var section in detectors)
        {
            text.Append("  ").Append(section.Key["detectors.".Length..]).Append(":\n");
            foreach (var key in section) text.Append("    ").Append(key[(section.Key.Length + 1)..]).Append(": ").Append(NonDefault[key].Yaml).Append('\n');
        }

        foreach (var section in sections.Except(detectors))
        {
            text.Append(section.Key).Append(":\n");
            foreach (var key in section) text.Append("  ").Append(key[(section.Key.Length + 1)..]).Append(": ").Append(NonDefault[key].Yaml).Append('\n');
        }

        return text.ToString();
    }

    private static string Section(string key) => key[..key.LastIndexOf('.')];

    /// <summary>
    /// Every option as <see cref="Show"/> prints it, by property path: a property of each detector's options record (named after
    /// the record, <c>LongDuration</c> for <c>LongDurationOptions</c>), of each other section of <see cref="PipeWatchConfig"/>, or a
    /// top-level value (<c>Disabled</c>).
    /// </summary>
    private static Dictionary<string, string> Options(PipeWatchConfig config)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var sections = typeof(PipeWatchConfig).GetProperties(Instance).Where(p => p.Name != nameof(PipeWatchConfig.File)).Select(p => (p.Name, Value: p.GetValue(config)))
            .Concat(DetectorOptionTypes.Select(t => (Name: t.Name[..^"Options".Length], Value: (object?)DetectorOptions(config, t))));
        foreach (var (name, value) in sections)
        {
            if (value is null or IEnumerable) options[name] = Show(value);
            else foreach (var inner in value.GetType().GetProperties(Instance)) options[$"{name}.{inner.Name}"] = Show(inner.GetValue(value));
        }

        return options;
    }

    private static object? Option(PipeWatchConfig config, string path)
    {
        var names = path.Split('.');
        var root = DetectorOptionTypes.FirstOrDefault(t => t.Name == names[0] + "Options") is { } type
            ? DetectorOptions(config, type)
            : typeof(PipeWatchConfig).GetProperty(names[0], Instance)!.GetValue(config);
        return names.Skip(1).Aggregate(root, (value, name) => value!.GetType().GetProperty(name, Instance)!.GetValue(value));
    }

    // The options records that declare a detectors.<id> section of pipewatch.yml, beside their detectors.
    private static IEnumerable<Type> DetectorOptionTypes => typeof(PipeWatchConfig).Assembly.GetTypes()
        .Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal) && t.GetProperty("Section", BindingFlags.NonPublic | BindingFlags.Static) is not null);

    private static object DetectorOptions(PipeWatchConfig config, Type type) =>
        typeof(PipeWatchConfig).GetMethod(nameof(PipeWatchConfig.Options))!.MakeGenericMethod(type).Invoke(config, null)!;

    /// <summary>A value as text, lists and records by their contents, so two options compare by what they hold.</summary>
    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => s,
        bool b => b ? "true" : "false",
        Regex r => $"/{r}/",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => $"[{string.Join(", ", e.Cast<object?>().Select(Show))}]",
        _ => $"{{{string.Join(", ", value.GetType().GetProperties(Instance).Select(p => $"{p.Name}: {Show(p.GetValue(value))}"))}}}",
    };

    [GeneratedRegex(@"^\| key( \(under `(?<under>[a-z-]+)`\))? \|")]
    private static partial Regex TableHeader();

    [GeneratedRegex(@"^\| `(?<key>[a-z.-]+)` \|")]
    private static partial Regex KeyRow();

    [GeneratedRegex(@"\(expected one of: (?<keys>.+)\)$")]
    private static partial Regex ExpectedOneOf();

    public void Dispose() => _temp.Dispose();
}
