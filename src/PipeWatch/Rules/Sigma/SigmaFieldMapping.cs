using System.Collections.Frozen;
using PipeWatch.Events;

namespace PipeWatch.Rules.Sigma;

/// <summary>The field names Sigma rules use for an origin, and the PipeWatch field each one reads.</summary>
/// <remarks>A rule's field is looked up here first, then as a PipeWatch (ECS or <c>ci.*</c>) name, then in <see cref="Event.Fields"/>.</remarks>
public static class SigmaFieldMapping
{
    /// <summary>Rule field → PipeWatch field. One row per name; the comment says where the rule's name comes from.</summary>
    public static IReadOnlyDictionary<string, string> Table { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // GitHub audit log (docs.github.com, "Audit log events"), as the SigmaHQ github/audit rules name them.
        ["action"] = EventFields.Action,                  // e.g. repo.destroy, org.add_member
        ["actor"] = EventFields.UserName,                 // who did it
        ["actor_ip"] = EventFields.SourceIp,
        ["actor_location.country_code"] = EventFields.SourceCountry,
        ["user_agent"] = EventFields.UserAgent,
        ["user"] = EventFields.TargetUser,                // the account acted upon
        ["repo"] = EventFields.Repository,                // owner/name
        ["repository"] = EventFields.Repository,
        ["org"] = EventFields.Organization,
        ["@timestamp"] = EventFields.Timestamp,

        // Bitbucket Data Center audit log, as the SigmaHQ bitbucket/audit rules name them.
        ["auditType.action"] = EventFields.Action,        // e.g. "User login failed(SSH)"
        ["auditType.category"] = "bitbucket.audit_category",
        ["author.name"] = EventFields.UserName,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The PipeWatch name for a rule's field name (itself when the table has no row).</summary>
    public static string Resolve(string field) => Table.TryGetValue(field, out var mapped) ? mapped : field;
}
