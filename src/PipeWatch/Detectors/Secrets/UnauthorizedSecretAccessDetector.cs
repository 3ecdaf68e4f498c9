using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Finds audit-log events that reach for secrets: an actor new to a key's secrets, secret scanning turned off or bypassed, broad new credentials, audit-log streaming changed.</summary>
/// <remarks>
/// Secret events (actions naming a secret or variable) teach one <see cref="SecretActors"/> baseline per organization
/// and repository; the other rules need no baseline and fire on every matching event.
/// </remarks>
internal sealed class UnauthorizedSecretAccessDetector : IDetector
{
    private readonly UnauthorizedSecretAccessOptions _options;

    public UnauthorizedSecretAccessDetector(UnauthorizedSecretAccessOptions? options = null) => _options = options ?? new UnauthorizedSecretAccessOptions();

    public DetectorInfo Info { get; } = new(
        "secrets.unauthorized-access",
        Categories.UnauthorizedSecretAccess,
        [EventKind.Audit],
        "Secrets touched by an actor new to them, secret scanning disabled or bypassed, broad new tokens and keys, audit-log streaming changed.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Action is not { } action) return;
        var actor = string.IsNullOrEmpty(e.UserName) ? "unknown actor" : e.UserName;
        var where = Where(e);
        if (action.StartsWith("audit_log_streaming.", StringComparison.Ordinal))
        {
            Report(e, context, "audit-log-streaming", Severity.High, $"Audit-log streaming changed by '{actor}'",
                $"'{actor}' did '{action}' on {where}: changing where audit events are streamed can blind the SIEM or copy the log elsewhere.", e.Id, "T1562.008");
        }
        else if (action.Contains("secret_scanning", StringComparison.Ordinal))
        {
            if (action.Contains("disable", StringComparison.Ordinal) || action.Contains("bypass", StringComparison.Ordinal))
            {
                var bypass = action.Contains("bypass", StringComparison.Ordinal);
                Report(e, context, "secret-scanning-off", Severity.High, $"Secret scanning {(bypass ? "bypassed" : "disabled")} by '{actor}'",
                    $"'{actor}' did '{action}' on {where}: with secret scanning or push protection off, a leaked or planted credential goes unseen.", e.Id, "T1562.001");
            }
        }
        else if (Credential(action) is { } kind)
        {
            NewCredential(e, context, actor, action, kind, where);
        }
        else if (action.Contains("secret", StringComparison.Ordinal) || action.Contains("variable", StringComparison.Ordinal))
        {
            SecretEvent(e, context, actor, action, where);
        }
    }

    private static string? Credential(string action) => action switch
    {
        "deploy_key.create" => "deploy key",
        "public_key.create" => "SSH key",
        "personal_access_token.access_granted" or "personal_access_token.request_created" or "personal_access_token.create" => "personal access token",
        "oauth_authorization.create" or "oauth_access.create" or "oauth_application.create" => "OAuth grant",
        _ => null,
    };

    private void NewCredential(Event e, DetectionContext context, string actor, string action, string kind, string where)
    {
        var scopes = e.Fields.GetValueOrDefault("github.token_scopes")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        var broad = scopes.Where(IsBroad).ToList();
        var owner = e.TargetUser is { Length: > 0 } target && !string.Equals(target, actor, StringComparison.OrdinalIgnoreCase) ? $" for '{target}'" : string.Empty;
        Severity severity;
        string why;
        if (kind is "deploy key" or "SSH key")
        {
            var writable = string.Equals(e.Fields.GetValueOrDefault("github.read_only"), "false", StringComparison.OrdinalIgnoreCase);
            severity = writable ? Severity.High : Severity.Medium;
            why = writable ? "it can push" : "it gives lasting git access outside single sign-on";
        }
        else if (broad.Count > 0)
        {
            severity = Severity.High;
            why = $"its scopes include {string.Join(", ", broad)} (broad: {string.Join(", ", _options.BroadScopes)})";
        }
        else if (scopes.Length == 0)
        {
            severity = Severity.Low;
            why = "the event does not list its scopes";
        }
        else
        {
            return;
        }

        Report(e, context, "new-credential", severity, $"New {kind} by '{actor}'{owner}",
            $"'{actor}' did '{action}'{owner} on {where}: {why}.", e.Id, "T1098.001");
    }

    private bool IsBroad(string scope) => _options.BroadScopes.Any(b => b.EndsWith('*')
        ? scope.StartsWith(b[..^1], StringComparison.OrdinalIgnoreCase)
        : string.Equals(scope, b, StringComparison.OrdinalIgnoreCase));

    private void SecretEvent(Event e, DetectionContext context, string actor, string action, string where)
    {
        var key = string.Concat(e.Organization ?? string.Empty, "\u001f", e.Ci.Repository);
        var seen = context.Baselines.Get<SecretActors>(key);
        if (seen.Events >= _options.MinimumSamples && !seen.IsFull && !seen.Actors.ContainsKey(actor))
        {
            var run = e.Fields.GetValueOrDefault("github.workflow_run_id") is { } runId ? $" from workflow run {runId}" : string.Empty;
            var known = string.Join(", ", seen.Actors.OrderByDescending(p => p.Value).Take(5).Select(p => $"{p.Key} ({p.Value.ToString(CultureInfo.InvariantCulture)})"));
            var secret = e.Fields.GetValueOrDefault("github.name") is { } name ? $" '{name}'" : string.Empty;
            Report(e, context, "new-secret-actor", Severity.Medium, $"'{actor}' touched secrets of {where} for the first time",
                $"'{actor}' did '{action}'{secret}{run} on {where}; in {seen.Events.ToString(CultureInfo.InvariantCulture)} secret events of its baseline, " +
                $"only {seen.Actors.Count.ToString(CultureInfo.InvariantCulture)} actors touched its secrets: {known}.", string.Concat(key, "\u001f", actor), "T1552");
        }

        seen.Learn(actor);
    }

    private static string Where(Event e) => e.Ci.Repository is { Length: > 0 } repo ? repo : e.Organization ?? "the account";

    private void Report(Event e, DetectionContext context, string kind, Severity severity, string title, string explanation, string key, string technique)
    {
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = severity,
            Title = title,
            Explanation = explanation,
            Entity = new Entity(Where(e), Actor: e.UserName, Environment: e.Fields.GetValueOrDefault("github.environment_name"), Target: e.TargetUser),
            Location = new Location(e.Fields.GetValueOrDefault("github.workflow_run_id"), e.Origin.File, e.Origin.Line, Url: e.Url),
            Evidence = [Evidence.Of("signal", kind), Evidence.Of("action", e.Action ?? "?")],
            Techniques = [technique],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, kind, key),
        });
    }
}
