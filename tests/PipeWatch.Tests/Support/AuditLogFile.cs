using System.Globalization;
using System.Text.Json.Nodes;

namespace PipeWatch.Tests.Support;

/// <summary>
/// Writes GitHub audit-log entries as an organization's export or stream does, one JSON object a line:
/// <c>@timestamp</c> and <c>created_at</c> in epoch milliseconds, <c>_document_id</c>, <c>action</c>, <c>actor</c>,
/// <c>actor_ip</c>, <c>actor_location.country_code</c>, <c>org</c>, <c>repo</c>, <c>user_agent</c>, <c>operation_type</c> and the action's own fields.
/// </summary>
internal sealed class AuditLogFile
{
    private readonly List<(DateTimeOffset At, string Line)> _entries = [];

    /// <summary>Entries written.</summary>
    public int Count => _entries.Count;

    /// <summary>One entry by a person of the organization, from their usual place, on <paramref name="repository"/>.</summary>
    public void Add(Member actor, string action, DateTimeOffset at, string repository, params (string Name, string Value)[] fields) =>
        Add(actor.Login, actor.Country, actor.Ip, action, at, repository, fields);

    /// <summary>One entry; <paramref name="fields"/> are the action's own properties (<c>user</c>, <c>name</c>, <c>permission</c>, …).</summary>
    public void Add(string actor, string country, string ip, string action, DateTimeOffset at, string repository, params (string Name, string Value)[] fields)
    {
        var millis = at.ToUnixTimeMilliseconds();
        var entry = new JsonObject
        {
            ["@timestamp"] = millis,
            ["created_at"] = millis,
            ["_document_id"] = $"{actor}-{millis.ToString(CultureInfo.InvariantCulture)}-{_entries.Count.ToString(CultureInfo.InvariantCulture)}",
            ["action"] = action,
            ["actor"] = actor,
            ["actor_ip"] = ip,
            ["actor_location"] = new JsonObject { ["country_code"] = country },
            ["org"] = repository.Split('/')[0],
            ["repo"] = repository,
            ["user_agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            ["operation_type"] = OperationType(action),
        };
        foreach (var (name, value) in fields)
        {
            entry[name] = value;
        }

        _entries.Add((at, entry.ToJsonString()));
    }

    /// <summary>Writes the entries in time order, as an export is, and returns the path.</summary>
    public string Save(string path)
    {
        File.WriteAllLines(path, _entries.OrderBy(e => e.At).Select(e => e.Line));
        return path;
    }

    private static string OperationType(string action) => action switch
    {
        _ when action.StartsWith("git.", StringComparison.Ordinal) || action.EndsWith("login", StringComparison.Ordinal) => "access",
        _ when action.Contains(".create", StringComparison.Ordinal) || action.Contains(".add_", StringComparison.Ordinal) => "create",
        _ => "modify",
    };

    /// <summary>A person of the organization: login, country, usual IP.</summary>
    internal sealed record Member(string Login, string Country, string Ip);
}
