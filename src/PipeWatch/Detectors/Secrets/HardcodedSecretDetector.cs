using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Detectors.Secrets.Verification;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Finds secrets in the lines each commit added: tokens, keys, passwords and connection strings, by the secret rules.</summary>
/// <remarks>
/// Each file's added lines are joined and scanned in one call, on worker threads (<see cref="ICommitPreparer"/>); a file whose
/// new blob was seen earlier in the range is not scanned again. A line holding <c>pipewatch:allow</c> (or gitleaks' <c>gitleaks:allow</c>)
/// is skipped. A merge commit does not report again a secret its own history already reported for the same path.
/// With a <see cref="SecretVerifier"/> (<c>scan --verify</c>), each secret's verification starts when its file is prepared, on the
/// worker threads, so calls overlap the scan; the commit's detector waits for the answers before it reports. The value stays in
/// memory: the finding carries only the verdict.
/// </remarks>
internal sealed class HardcodedSecretDetector : ICommitDetector, ICommitPreparer
{
    public const string Id = "secrets.hardcoded";

    /// <summary>The inline marker that allows the secrets of its line.</summary>
    public const string InlineAllow = "pipewatch:allow";

    private const string GitleaksInlineAllow = "gitleaks:allow";

    private readonly SecretRuleBook _rules;

    // Run-scoped: secrets reported by non-merge commits, so a merge that brings them in again is quiet.
    private readonly HashSet<(string Rule, string Path, string Secret)> _reported = [];

    private readonly IProblemReporter? _problems;
    private readonly SecretVerifier? _verifier;

    /// <param name="problems">Where a rule that timed out on a file is reported (a match there may be missed); null ignores it.</param>
    /// <param name="verifier">Asks each secret's provider whether it is live; null (the default) verifies nothing.</param>
    public HardcodedSecretDetector(SecretRuleBook rules, HardcodedSecretOptions options, IProblemReporter? problems = null, SecretVerifier? verifier = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(options);
        _rules = rules.WithAllowlists([options.ToAllowlist()]);
        _problems = problems;
        _verifier = verifier;
    }

    public DetectorInfo Info { get; } = new(
        Id, Categories.HardcodedSecret, [], "A secret (token, key, password, connection string) committed in a line a commit added.");

    /// <summary>The rules in use, for SARIF rule metadata.</summary>
    public SecretRuleBook Rules => _rules;

    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(firstSightings);
        if (learnOnly || _rules.Skips(string.Empty, CommitId(commit))) return null;
        var hits = new List<(int File, int Line, SecretHit Hit, Task<SecretVerification>? Verdict)>();
        for (var i = 0; i < commit.Files.Count; i++)
        {
            var file = commit.Files[i];
            if ((i < firstSightings.Count && !firstSightings[i]) || file.Binary || file.Added.Count == 0 || _rules.Skips(file.Path, CommitId(commit))) continue;
            var lines = AddedText.Of(file.Added);
            var timeouts = new List<RegexTimeout>();
            var first = hits.Count;
            foreach (var hit in _rules.Find(lines.Text, file.Path, CommitId(commit), line => lines[line - 1].Text, timeouts))
            {
                var added = lines[hit.Line - 1];
                if (added.Text.Contains(InlineAllow, StringComparison.Ordinal) || added.Text.Contains(GitleaksInlineAllow, StringComparison.Ordinal)) continue;
                hits.Add((i, added.Number, hit, null));
            }

            if (_verifier is not null && hits.Count > first) StartVerifications(hits, first, lines);

            // A timed-out rule is a problem, never a silent "no match": a padded line must not hide a secret unseen.
            foreach (var timeout in timeouts)
            {
                _problems?.Report(new Problem(
                    CommitId(commit) is { } sha ? $"{file.Path} (commit {sha[..Math.Min(12, sha.Length)]})" : file.Path,
                    $"secret rule '{timeout.RuleId}' timed out on this line; a secret there may be missed (the other rules still ran)",
                    lines[Math.Clamp(timeout.Line, 1, lines.Count) - 1].Number));
            }
        }

        return hits;
    }

    public void Inspect(GitCommit commit, CommitContext context)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(context);
        if (context.LearnOnly) return;
        var hits = context.Prepared as List<(int File, int Line, SecretHit Hit, Task<SecretVerification>? Verdict)>
            ?? (List<(int, int, SecretHit, Task<SecretVerification>?)>)Prepare(commit, context.FirstSightings ?? [.. commit.Files.Select(_ => true)], learnOnly: false, context.Blobs)!;
        foreach (var (fileIndex, line, hit, verdict) in hits)
        {
            var path = commit.Files[fileIndex].Path;
            var key = (hit.Rule.Id, path, hit.Secret);
            if (commit.IsMerge && _reported.Contains(key)) continue;
            if (!commit.IsMerge) _reported.Add(key);
            if (ExampleSecrets.IsSelfDescribed(hit.Rule.Id, hit.Secret)) continue;
            var finding = ToFinding(commit, context, path, line, hit);
            context.Report(verdict is null ? finding : SecretVerdicts.With(finding, SecretVerdicts.Wait(verdict)));
        }
    }

    // Starts the verification of this file's hits (from first on), each paired with what sits near it (an AWS key id, a Twilio SID).
    private void StartVerifications(List<(int File, int Line, SecretHit Hit, Task<SecretVerification>? Verdict)> hits, int first, AddedText lines)
    {
        var found = new List<FoundSecret>(hits.Count - first);
        for (var h = first; h < hits.Count; h++)
        {
            var hit = hits[h].Hit;
            var start = lines.Start(hit.Line - 1);
            var column = lines.Text.AsSpan(start, lines.Length(hit.Line - 1)).IndexOf(hit.Secret, StringComparison.Ordinal);
            found.Add(new FoundSecret(hit.Rule.Id, start + Math.Max(0, column), hit.Secret));
        }

        for (var h = first; h < hits.Count; h++)
        {
            var hit = hits[h].Hit;
            if (hit.FileName || !SecretVerifier.CanVerify(hit.Rule.Id) || ExampleSecrets.IsSelfDescribed(hit.Rule.Id, hit.Secret)) continue;
            var credential = SecretPairing.For(found[h - first], lines.Text, found);
            hits[h] = hits[h] with { Verdict = _verifier!.VerifyAsync(hit.Rule.Id, credential, CancellationToken.None) };
        }
    }

    private static Finding ToFinding(GitCommit commit, CommitContext context, string path, int line, SecretHit hit)
    {
        var rule = hit.Rule;
        var sha = CommitId(commit);
        var staged = sha is null && commit.Subject == GitHistorySource.StagedMessage;
        var where = sha is null ? $"{path}:{line}" : $"{path}:{line} in commit {sha[..12]}";
        var who = commit.Author.Name.Length == 0 ? null : commit.Author.Name;
        var by = who is null ? string.Empty : $", by {who} <{commit.Author.Email}> on {commit.Author.When.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}";
        var secret = Evidence.Secret("secret", hit.Secret);
        // Where the secret sits: a commit (in every clone), the index (about to be), or a plain folder (no history at all).
        var (verb, added, advice) = (sha, staged) switch
        {
            (not null, _) => ("committed in", "was added", "Anyone who can read the repository's history can use it: revoke and rotate it; deleting the line leaves it in every clone."),
            (null, true) => ("staged in", "is staged", "Committing it puts it in every clone: unstage it and keep it out of the repository, and rotate it if it was shared."),
            _ => ("found in", "is written", "Whoever can read this file can use it: keep it out of the repository and any artifact, and rotate it if it was shared."),
        };
        var what = hit.FileName
            ? $"The file name matches rule '{rule.Id}' ({rule.Description})"
            : $"A value matching rule '{rule.Id}' ({rule.Description}) {added}: {secret.Value}";
        var evidence = new List<Evidence> { hit.FileName ? Evidence.Of("file", path) : secret, Evidence.Of("rule", rule.Id) };
        if (who is not null) evidence.Add(Evidence.Of("author", $"{who} <{commit.Author.Email}>"));
        if (sha is not null) evidence.Add(Evidence.Of("commit", sha));
        return new Finding
        {
            Rule = rule.Id,
            Category = Categories.HardcodedSecret,
            Severity = ExampleSecrets.SeverityIn(rule.Id, path, rule.Severity),
            Title = hit.FileName ? $"{rule.Id}: file {(sha is null ? (staged ? "staged" : "found") : "committed")} at {path}" : $"{rule.Id} {verb} {path}",
            Explanation = $"{what}, at {where}{by}. {advice}",
            Entity = new Entity(Repository: context.Repository, Actor: who),
            Location = new Location(File: path, Line: line, Commit: sha),
            Evidence = evidence,
            Techniques = ["T1552.001"],
            Timestamp = commit.Author.When,
            DetectedAt = context.Detection.Now,
            Fingerprint = Fingerprint.Of(rule.Id, context.Repository, sha, path, line.ToString(CultureInfo.InvariantCulture), Hash(hit.Secret)),
        };
    }

    /// <summary>The commit id, or null for the staged changes and plain folders (which have none).</summary>
    private static string? CommitId(GitCommit commit) => commit.Sha == GitHistorySource.StagedSha ? null : commit.Sha;

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
