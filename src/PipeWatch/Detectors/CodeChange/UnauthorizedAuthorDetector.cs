using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds commits by someone not allowed or not expected to make them: outside the allowlist or CODEOWNERS for the paths touched, a first-time author, an unsigned commit in a signed history, a pusher who is neither author nor committer, a bot changing CI definitions.</summary>
/// <remarks>Per repository (<see cref="CommitHistory"/>): authors, signature counts, bots seen changing CI, and the last CODEOWNERS a commit brought in. One finding per commit, its reasons joined.</remarks>
internal sealed class UnauthorizedAuthorDetector : IDetector
{
    private readonly UnauthorizedAuthorOptions _options;
    private readonly IReadOnlyList<Regex> _bots;
    private readonly IReadOnlyList<(Regex Repository, IReadOnlyList<Regex> Paths, IReadOnlyList<Regex> Allow, AuthorRule Rule)> _rules;

    // The last CODEOWNERS text parsed, kept while commits carry the same text: a memo of a pure parse, not learned state (a history
    // repeats one text for hundreds of commits, and each parse compiles a regex per rule).
    private CodeOwners? _owners;

    public UnauthorizedAuthorDetector(UnauthorizedAuthorOptions? options = null)
    {
        _options = options ?? new UnauthorizedAuthorOptions();
        _bots = CommitKeys.Globs(_options.Bots);
        _rules = [.. _options.Authors.Select(r => (DeploymentKeys.Glob(r.Repository), (IReadOnlyList<Regex>)[.. r.Paths.Select(CommitKeys.PathGlob)], CommitKeys.Globs(r.Allow), r))];
    }

    public DetectorInfo Info { get; } = new(
        "code-change.unauthorized-author",
        Categories.UnauthorizedAuthor,
        [EventKind.Commit],
        "A commit or push by an author or pusher not allowed for the repository or paths (allowlist, CODEOWNERS), a first-time author, an unsigned commit in a signed history, a pusher who is neither author nor committer, a bot changing CI.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Commit is not { } commit) return;
        var repository = e.Ci.Repository;
        var history = context.Baselines.Get<CommitHistory>(CommitHistory.Key(repository));
        var reasons = new List<string>();
        var severity = Severity.Medium;
        var author = commit.Author;
        var bot = CommitKeys.IsBot(author, _bots);
        var paths = commit.Files.Select(f => f.Path).ToList();

        var ruled = false;
        foreach (var (repo, pathGlobs, allow, rule) in _rules)
        {
            if (!repo.IsMatch(repository)) continue;
            var touched = pathGlobs.Count == 0 ? paths : [.. paths.Where(p => pathGlobs.Any(g => g.IsMatch(p)))];
            if (touched.Count == 0) continue;
            ruled = true;
            foreach (var (role, person) in new[] { ("author", author), ("pusher", commit.Pusher) })
            {
                if (person is null || Allowed(person, allow)) continue;
                reasons.Add($"The {role} {person} is not allowed to change {Describe(touched)} in '{repository}': pipewatch.yml allows only {string.Join(", ", rule.Allow)}{(rule.Paths.Count == 0 ? string.Empty : $" for {string.Join(", ", rule.Paths)}")}.");
                severity = Severity.High;
            }
        }

        // A scanned commit carries the CODEOWNERS of its own lineage (a branch's file governs only that branch); a pushed one, the last learned.
        var ownersText = e.Fields.TryGetValue(CommitEvents.CodeOwnersInForceField, out var inForce) ? (inForce.Length == 0 ? null : inForce) : history.CodeOwners;
        // A documented update bot whose commit only moves action refs (Dependabot's "Bump actions/checkout from 4 to 5") is a
        // dependency update the owners take in by reviewing its pull request, not an owner's file changed by a stranger; the
        // same identity changing what a step runs is still judged (a bot's identity can be written by anyone).
        if (ownersText is not null && !(UpdateBotIdentity.IsDocumented(author) && e.Fields.GetValueOrDefault(ActionRefMoves.WholeCommitField) == "true"))
        {
            var owners = _owners is { } last && string.Equals(last.Text, ownersText, StringComparison.Ordinal) ? last : _owners = new CodeOwners(ownersText);
            foreach (var path in paths)
            {
                if (owners.OwnersOf(path) is not { } owned || CodeOwners.IsOwner(author, owned.Owners) is not false) continue;
                reasons.Add($"CODEOWNERS gives {path} (rule '{owned.Pattern}') to {string.Join(" ", owned.Owners)}, and the author {author} is none of them.");
                break;
            }
        }

        if (commit.Signature == CommitSignature.Bad)
        {
            reasons.Add("The commit's signature does not verify.");
            severity = Severity.High;
        }
        else if (commit.Signature == CommitSignature.Unsigned && history.Checked >= _options.MinimumSamples && history.Signed >= history.Checked * _options.SignedShare)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"The commit is unsigned, while {history.Signed} of the repository's {history.Checked} earlier checked commits were signed."));
        }

        var committerKnown = commit.Committer.Email is not null || commit.Committer.Login is not null || commit.Committer.Name is not null;
        if (commit.Pusher is { } pusher && committerKnown && !Same(pusher, author) && !Same(pusher, commit.Committer) && !CommitKeys.IsBot(commit.Committer, _bots))
        {
            reasons.Add($"It was pushed by {pusher}, who is neither its author ({author}) nor its committer ({commit.Committer}).");
        }

        if (commit.Forced && commit.ToDefaultBranch)
        {
            reasons.Add($"It came in a forced push to the default branch{(e.Ci.Branch is null ? string.Empty : $" '{e.Ci.Branch}'")}{(commit.Pusher is null ? string.Empty : $" by {commit.Pusher}")}, which rewrote that branch's history.");
            severity = Severity.High;
        }

        // A bot moving the refs of the actions a workflow uses (Dependabot's github-actions updates) updates a dependency.
        var touchesCi = paths.Any(p => CiDefinitionParser.Classify(p) is not null || p.EndsWith("CODEOWNERS", StringComparison.Ordinal))
            && !(bot && e.Fields.GetValueOrDefault(ActionRefMoves.Field) == "true");
        if (bot && touchesCi && !history.BotTouchedCi(author.Key))
        {
            reasons.Add($"The machine identity {author} changed {Describe([.. paths.Where(p => CiDefinitionParser.Classify(p) is not null || p.EndsWith("CODEOWNERS", StringComparison.Ordinal))])}, which it never did before: bots update dependencies, people change pipelines.");
        }

        // A first commit is news, not a verdict: nothing here was checked against who may commit.
        var checkedReasons = reasons.Count;
        if (!ruled && !bot && history.Commits >= _options.MinimumSamples && !history.Knows(author.Key))
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture,
                $"{author} never committed to '{repository}' before: its {history.Commits} earlier commits were by {history.AuthorCount} author(s) ({string.Join(", ", history.Top(5).Select(a => $"{a.Key} ×{a.Value}"))})."));
        }

        history.Learn(author.Key, commit.Signature switch { CommitSignature.Signed => true, CommitSignature.Unsigned or CommitSignature.Bad => false, _ => null }, bot && touchesCi ? author.Key : null);
        if (e.Fields.GetValueOrDefault(CommitEvents.CodeOwnersField) is { } newOwners) history.CodeOwners = newOwners;
        if (reasons.Count == 0) return;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = severity,
            Title = checkedReasons > 0
                ? $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} to '{repository}' by {author} is not authorized"
                : $"First commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} to '{repository}' by a new author, {author}",
            Explanation = string.Join(" ", reasons),
            Entity = new Entity(repository, Actor: author.Key),
            Location = new Location(File: paths.Count > 0 ? paths[0] : null, Commit: commit.Sha, Url: e.Url),
            Evidence =
            [
                Evidence.Of("author", author.ToString()), Evidence.Of("committer", commit.Committer.ToString()), Evidence.Of("pusher", commit.Pusher?.ToString() ?? "(not recorded)"), Evidence.Of("signature", commit.Signature.ToString()),
                // A first commit alone is a behavioural signal (weighed by the alert stage), not an alert.
                .. checkedReasons > 0 ? Array.Empty<Evidence>() : [Evidence.Of("signal", "new-author")],
            ],
            Techniques = ["T1078"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, repository, commit.Sha),
        });
    }

    private static bool Allowed(CommitPerson person, IReadOnlyList<Regex> allow) =>
        new[] { person.Email, person.Login, person.Name }.Any(v => v is not null && allow.Any(a => a.IsMatch(v)));

    private static bool Same(CommitPerson a, CommitPerson b) =>
        (a.Email is not null && string.Equals(a.Email, b.Email, StringComparison.OrdinalIgnoreCase))
        || (a.Login is not null && string.Equals(a.Login, b.Login, StringComparison.OrdinalIgnoreCase))
        || (a.Name is not null && string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase))
        || (a.Name is not null && string.Equals(a.Name, b.Login, StringComparison.OrdinalIgnoreCase));

    private static string Describe(IReadOnlyList<string> paths) =>
        paths.Count <= 3 ? string.Join(", ", paths) : $"{string.Join(", ", paths.Take(3))} and {paths.Count - 3} more";
}
