using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Detectors.Secrets.Verification;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Finds secrets printed in CI job logs, in plain text or encoded (base64, double base64, hex, URL, gzip+base64), with the built-in secret rules.</summary>
/// <remarks>
/// A CI runner masks a secret only in the forms it knows: GitHub masks a value and its single base64 encoding, so the
/// double-base64 dump of the tj-actions/changed-files compromise (March 2025) went out unmasked. Each encoded string is
/// decoded up to <see cref="SecretExposedInLogOptions.DecodeDepth"/> levels and the chain is told in the explanation.
/// Masked values (<c>***</c>, GitLab's <c>[MASKED]</c>) are not secrets. The secret itself appears only redacted.
/// Stateless: the rules compile on the first log, so runs without logs do not pay for them. With a <see cref="SecretVerifier"/>
/// (<c>ingest --verify</c>), the distinct secrets of one log are verified together (the providers in parallel) before the log's
/// findings are reported, each with its verdict; the value is held in memory only.
/// </remarks>
internal sealed class SecretExposedInLogDetector : IDetector
{
    private readonly Lazy<EncodedSecretScanner> _scanner;
    private readonly Lazy<Dictionary<string, SecretRule>> _rules;
    private readonly SecretVerifier? _verifier;

    /// <param name="options">The settings; defaults when null.</param>
    /// <param name="scanner">The secret rules to use; the built-in ones when null.</param>
    /// <param name="verifier">Asks each secret's provider whether it is live; null (the default) verifies nothing.</param>
    public SecretExposedInLogDetector(SecretExposedInLogOptions? options = null, SecretScanner? scanner = null, SecretVerifier? verifier = null)
    {
        _verifier = verifier;
        var settings = options ?? new SecretExposedInLogOptions();
        _scanner = new Lazy<EncodedSecretScanner>(() =>
            new EncodedSecretScanner(scanner ?? new SecretScanner(SecretRuleBook.BuiltIn.Rules), settings.DecodeDepth, settings.MinimumEncodedLength));
        _rules = new Lazy<Dictionary<string, SecretRule>>(() => _scanner.Value.Scanner.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal));
    }

    public DetectorInfo Info { get; } = new(
        "secrets.exposed-in-log",
        Categories.SecretInLog,
        [EventKind.JobLog],
        "A secret printed in a CI job log, plain or encoded (base64, double base64, hex, URL, gzip+base64).");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Log is not { } log) return;
        var exposed = _scanner.Value.Scan(log.Text).Where(found => !IsMasked(found.Match.Secret)).ToList();
        if (_verifier is null)
        {
            foreach (var found in exposed) context.Report(ToFinding(e, log, found, context));
            return;
        }

        // Start every call first, so the log waits for the slowest provider rather than for the sum of them.
        var all = exposed.Select(f => new FoundSecret(f.Match.RuleId, f.Index, f.Match.Secret)).ToList();
        var verdicts = exposed.Select((found, i) => SecretVerifier.CanVerify(found.Match.RuleId)
            ? _verifier.VerifyAsync(found.Match.RuleId, SecretPairing.For(all[i], log.Text, all), CancellationToken.None)
            : null).ToList();
        for (var i = 0; i < exposed.Count; i++)
        {
            var finding = ToFinding(e, log, exposed[i], context);
            context.Report(verdicts[i] is { } verdict ? SecretVerdicts.With(finding, SecretVerdicts.Wait(verdict)) : finding);
        }
    }

    /// <summary>True for a value the CI platform masked: GitHub and Jenkins print <c>***</c>/<c>****</c>, GitLab <c>[MASKED]</c>.</summary>
    public static bool IsMasked(string secret) =>
        secret.Contains("***", StringComparison.Ordinal) || secret.Contains("[MASKED]", StringComparison.Ordinal);

    private Finding ToFinding(Event e, LogSection log, EncodedSecretMatch found, DetectionContext context)
    {
        var rule = _rules.Value[found.Match.RuleId];
        var line = log.LineOf(found.Index);
        var secret = Evidence.Secret("secret", found.Match.Secret);
        var encoded = found.Encodings.Count > 0;
        var how = encoded ? $"{string.Join(" → ", found.Encodings)}-encoded" : "in plain text";
        var where = Where(e, log);
        var run = string.IsNullOrEmpty(e.Ci.RunId) ? null : e.Ci.RunId;
        return new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = rule.Severity,
            Title = $"Secret ({rule.Id}) printed {how} in {where}",
            Explanation = $"Line {line.ToString(CultureInfo.InvariantCulture)} of {e.Origin.File} ({where}{(run is null ? "" : $", run {run}")}) " +
                $"holds a secret of rule {rule.Id} ({rule.Description}), {(encoded ? $"printed encoded: {found.Chain}" : "printed in plain text")}. " +
                $"The secret is {secret.Value}. " +
                (encoded ? "The runner masks only the forms of a secret it knows, so an encoded copy is readable by anyone who can read the log. " : string.Empty) +
                "Revoke or rotate it, then find out what printed it.",
            Entity = new Entity(NullIfEmpty(e.Ci.Repository), NullIfEmpty(e.Ci.Pipeline), e.Ci.Job, log.Step, e.UserName),
            Location = new Location(run, e.Origin.File, line, e.Ci.Commit, e.Url),
            Evidence =
            [
                secret,
                Evidence.Of("secret_rule", rule.Id),
                Evidence.Of("decoding", found.Chain),
                Evidence.Of("log_line", line.ToString(CultureInfo.InvariantCulture)),
            ],
            Techniques = ["T1552"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            // The same secret printed again in the same job of the same run is one exposure.
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job, rule.Id, Hash(found.Match.Secret)),
        };
    }

    private static string Where(Event e, LogSection log)
    {
        var job = e.Ci.Job is { Length: > 0 } j ? $"job '{j}'" : "the log";
        return log.Step is { Length: > 0 } step ? $"{job}, step '{step}'" : job;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
