namespace PipeWatch.Findings;

/// <summary>The IoC taxonomy of DESIGN.md: every finding carries exactly one of these ids. A public contract: add, never rename.</summary>
public static class Categories
{
    public const string UnauthorizedAuthor = "code-change.unauthorized-author";
    public const string UnusualTime = "code-change.unusual-time";
    public const string UnusualLocation = "code-change.unusual-location";
    public const string LargeDeletion = "code-change.large-deletion";
    public const string ObfuscatedCode = "code-change.obfuscated-code";
    public const string PipelineTampering = "code-change.pipeline-tampering";
    public const string UnapprovedTarget = "deployment.unapproved-target";
    public const string ExcessiveFrequency = "deployment.excessive-frequency";
    public const string UnusualDeployActor = "deployment.unusual-actor";
    public const string KnownVulnerability = "dependency.known-vulnerability";
    public const string UnexpectedNewDependency = "dependency.unexpected-new";
    public const string UntrustedSource = "dependency.untrusted-source";
    public const string UnexpectedFailure = "pipeline.unexpected-failure";
    public const string RepeatedFailures = "pipeline.repeated-failures";
    public const string LongDuration = "pipeline.long-duration";
    public const string StepOrderChanged = "pipeline.step-order-changed";
    public const string HardcodedSecret = "secrets.hardcoded";
    public const string SecretInLog = "secrets.exposed-in-log";
    public const string UnauthorizedSecretAccess = "secrets.unauthorized-access";
    public const string SuspiciousLogin = "access.suspicious-login";

    /// <summary>Added with the audit-log detectors: an administrative change that widens who or what can reach code, secrets or events.</summary>
    public const string PermissionWidened = "access.permission-widened";
    public const string MaliciousHash = "threat-intel.malicious-hash";
    public const string C2Contact = "threat-intel.c2-contact";
    public const string UnusualEgress = "network.unusual-egress";
    public const string ResourceSpike = "performance.resource-spike";
    public const string CiInfrastructureVulnerability = "vulnerability.ci-infrastructure";

    /// <summary>Added with Sigma rules: an event matched a detection rule for a known attack technique that no more specific category covers.</summary>
    public const string RuleMatch = "threat-intel.rule-match";

    /// <summary>Every category id, in the order of DESIGN.md.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        UnauthorizedAuthor, UnusualTime, UnusualLocation, LargeDeletion, ObfuscatedCode, PipelineTampering,
        UnapprovedTarget, ExcessiveFrequency, UnusualDeployActor,
        KnownVulnerability, UnexpectedNewDependency, UntrustedSource,
        UnexpectedFailure, RepeatedFailures, LongDuration, StepOrderChanged,
        HardcodedSecret, SecretInLog, UnauthorizedSecretAccess,
        SuspiciousLogin, PermissionWidened, MaliciousHash, C2Contact, UnusualEgress, ResourceSpike, CiInfrastructureVulnerability,
        RuleMatch,
    ];

    /// <summary>True for an id in the taxonomy.</summary>
    public static bool IsKnown(string category) => All.Contains(category, StringComparer.Ordinal);
}
