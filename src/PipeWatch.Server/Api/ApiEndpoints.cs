using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Alerting.Signals;
using PipeWatch.Configuration;
using PipeWatch.Findings;
using PipeWatch.Server.Hooks;
using PipeWatch.Store;

namespace PipeWatch.Server.Api;

/// <summary>
/// The API under <c>/api</c> (bearer token: 401 without one, 403 with a wrong one; <c>/api/health</c> is open): findings with filters
/// and cursor paging, one finding with its history, ack/close/reopen, suppressions, incidents, baselines and recent events.
/// </summary>
internal sealed class ApiEndpoints(IStore store, ISharedTables tables, Triage triage, string tokenHash, RecentEvents events, Func<object> health, TimeProvider time, PipeWatchConfig? config = null)
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The API token: <c>PIPEWATCH_API_TOKEN</c> when set, else the one generated at the first start (its hash stored; printed once).</summary>
    /// <returns>The token's hash, and the token itself when it was generated now (to be printed once).</returns>
    public static (string Hash, string? Generated) ResolveToken(string? configured, Triage triage)
    {
        if (!string.IsNullOrEmpty(configured)) return (Triage.Hash(configured), null);
        if (triage.TokenHash("generated") is { } stored) return (stored, null);
        var token = "pw_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return triage.TryStoreTokenHash("generated", Triage.Hash(token)) ? (Triage.Hash(token), token) : (triage.TokenHash("generated")!, null);
    }

    /// <returns>The <c>/api</c> group (bearer token required), for more endpoints.</returns>
    public RouteGroupBuilder Map(WebApplication app)
    {
        app.MapGet("/api/health", () => Results.Json(health(), Json));
        var api = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            // The dashboard's session (cookie, and its CSRF token on changes) was checked by DashboardEndpoints' middleware.
            if (Dashboard.DashboardSessions.IsSignedIn(context.HttpContext)) return await next(context);
            var given = WebhookSecrets.Bearer(context.HttpContext.Request.Headers.Authorization.FirstOrDefault());
            if (given is null) return Error(StatusCodes.Status401Unauthorized, "a bearer token is required (Authorization: Bearer TOKEN)");
            var match = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Triage.Hash(given)), Encoding.ASCII.GetBytes(tokenHash));
            return match ? await next(context) : Error(StatusCodes.Status403Forbidden, "the bearer token is not the API token");
        });
        api.MapGet("/findings", ListFindings);
        api.MapGet("/findings/{fingerprint}", GetFinding);
        foreach (var action in new[] { "ack", "close", "reopen" })
        {
            api.MapPost($"/findings/{{fingerprint}}/{action}", (string fingerprint, HttpRequest request) => ActAsync(fingerprint, action, request));
        }

        api.MapGet("/suppressions", (HttpRequest request) => Results.Json(new { suppressions = triage.Suppressions(request.Query["all"] == "true") }, Json));
        api.MapPost("/suppressions", AddSuppressionAsync);
        api.MapDelete("/suppressions/{id}", (string id, HttpRequest request) =>
            triage.DeleteSuppression(id, By(request, null)) ? Results.NoContent() : Error(StatusCodes.Status404NotFound, $"no active suppression {id}"));
        api.MapGet("/incidents", ListIncidents);
        api.MapGet("/baselines", ListBaselines);
        api.MapGet("/events", (HttpRequest request) => ListEvents(request));
        return api;
    }

    private IResult ListFindings(HttpRequest request)
    {
        if (!TryQuery(request, out var query, out var limit, out var statuses, out var error)) return error!;
        // ?signals=true: only the behavioural signals recorded and the alerts they raised or joined (as `findings --signals`).
        var signalsOnly = request.Query["signals"].FirstOrDefault() switch
        {
            null or "false" => false,
            "true" => true,
            _ => (bool?)null,
        };
        if (signalsOnly is null) return Error(StatusCodes.Status400BadRequest, "signals: expected true or false");
        using var reader = store.OpenReader();
        var cursor = request.Query["cursor"].FirstOrDefault();
        var order = request.Query["order"] == "oldest" ? PageOrder.OldestFirst : PageOrder.NewestFirst;
        var items = new List<JsonNode>();
        try
        {
            // Whole pages are read and filtered by status, so the cursor handed back never skips a finding.
            for (var pages = 0; pages < 50 && items.Count < limit; pages++)
            {
                var page = reader.PageFindings(query, cursor, limit - items.Count, order);
                var recorded = triage.Statuses(page.Items.Select(f => f.Fingerprint));
                foreach (var finding in page.Items)
                {
                    var status = triage.StatusOf(finding, recorded);
                    if (signalsOnly == true && !SignalKinds.IsRecordedOrRiskAlert(finding)) continue;
                    if (statuses is null || statuses.Contains(status)) items.Add(Shape(finding, status));
                }

                cursor = page.Next;
                if (cursor is null) break;
            }
        }
        catch (ArgumentException ex)
        {
            return Error(StatusCodes.Status400BadRequest, $"cursor: {ex.Message}");
        }

        return Results.Json(new JsonObject { ["findings"] = new JsonArray([.. items]), ["next"] = cursor }, Json);
    }

    private IResult GetFinding(string fingerprint)
    {
        using var reader = store.OpenReader();
        if (reader.FindingByFingerprint(fingerprint) is not { } finding) return Error(StatusCodes.Status404NotFound, $"no finding {fingerprint}");
        var node = Shape(finding, triage.StatusOf(finding, triage.Statuses([fingerprint])));
        node["history"] = JsonSerializer.SerializeToNode(triage.History(fingerprint), Json);
        return Results.Json(node, Json);
    }

    private async Task<IResult> ActAsync(string fingerprint, string action, HttpRequest request)
    {
        var body = await ReadObjectAsync(request);
        using (var reader = store.OpenReader())
        {
            if (reader.FindingByFingerprint(fingerprint) is null) return Error(StatusCodes.Status404NotFound, $"no finding {fingerprint}");
        }

        triage.Act(fingerprint, action, By(request, body), body?["reason"]?.GetValue<string>());
        return GetFinding(fingerprint);
    }

    private async Task<IResult> AddSuppressionAsync(HttpRequest request)
    {
        var body = await ReadObjectAsync(request);
        if (body is null) return Error(StatusCodes.Status400BadRequest, "expected a JSON object with a scope (rule, category, repository, fingerprint, path), a reason and an optional expiry");
        string? Text(string name) => body[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        var reason = Text("reason");
        if (reason is null) return Error(StatusCodes.Status400BadRequest, "a suppression needs a reason");
        if (Text("rule") is null && Text("category") is null && Text("repository") is null && Text("fingerprint") is null && Text("path") is null)
        {
            return Error(StatusCodes.Status400BadRequest, "a suppression needs a scope: at least one of rule, category, repository, fingerprint, path");
        }

        DateTimeOffset? expires = null;
        if (Text("expires") is { } text)
        {
            if (DurationText.TryParse(text, out var duration)) expires = time.GetUtcNow() + duration;
            else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) expires = at;
            else return Error(StatusCodes.Status400BadRequest, $"expires: expected a time (ISO 8601) or a duration such as 7d, got '{text}'");
        }

        var suppression = triage.AddSuppression(Text("rule"), Text("category"), Text("repository"), Text("fingerprint"), Text("path"), reason, By(request, body), expires);
        return Results.Json(suppression, Json, statusCode: StatusCodes.Status201Created);
    }

    private IResult ListIncidents(HttpRequest request)
    {
        if (!TryQuery(request, out var query, out var limit, out _, out var error)) return error!;
        using var reader = store.OpenReader();
        try
        {
            var page = reader.PageIncidents(new IncidentQuery(query.Since, query.MinimumSeverity), request.Query["cursor"].FirstOrDefault(), limit);
            var incidents = page.Items.Select(i => new JsonObject
            {
                ["id"] = i.Id,
                ["first_seen"] = i.FirstSeen.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                ["last_seen"] = i.LastSeen.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                ["severity"] = i.Severity.ToWire(),
                ["actors"] = new JsonArray([.. i.Actors.Select(a => (JsonNode)a)]),
                ["repositories"] = new JsonArray([.. i.Repositories.Select(r => (JsonNode)r)]),
                ["findings"] = new JsonArray([.. i.Findings.Select(f => (JsonNode)Shape(f, null))]),
            });
            return Results.Json(new JsonObject { ["incidents"] = new JsonArray([.. incidents]), ["next"] = page.Next }, Json);
        }
        catch (ArgumentException ex)
        {
            return Error(StatusCodes.Status400BadRequest, $"cursor: {ex.Message}");
        }
    }

    /// <summary>The baselines stored under a key prefix (<c>?key=</c>, e.g. a detector id and repository): key, format version, size and the decoded values.</summary>
    private IResult ListBaselines(HttpRequest request)
    {
        var prefix = request.Query["key"].FirstOrDefault();
        if (string.IsNullOrEmpty(prefix)) return Error(StatusCodes.Status400BadRequest, "key: give the start of a baseline key (a detector id, then its key)");
        var limit = int.TryParse(request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, MaxLimit) : DefaultLimit;
        return Results.Json(new { baselines = BaselineListing.Read(tables, prefix, limit, new BaselineDecoder(config ?? PipeWatchConfig.Default, time)) }, Json);
    }

    private IResult ListEvents(HttpRequest request)
    {
        var key = request.Query["repository"].FirstOrDefault();
        if (string.IsNullOrEmpty(key)) return Error(StatusCodes.Status400BadRequest, "repository: the events of which repository");
        var limit = int.TryParse(request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, MaxLimit) : MaxLimit;
        return Results.Json(new { events = events.Of(key, limit) }, Json);
    }

    private bool TryQuery(HttpRequest request, out FindingQuery query, out int limit, out HashSet<string>? statuses, out IResult? error)
    {
        query = new FindingQuery();
        statuses = [Triage.Open, Triage.Acknowledged];
        error = null;
        var q = request.Query;
        limit = DefaultLimit;
        if (q["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            error = Error(StatusCodes.Status400BadRequest, $"limit: expected 1 to {MaxLimit}");
            return false;
        }

        if (q["since"].FirstOrDefault() is { } sinceText)
        {
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
            {
                error = Error(StatusCodes.Status400BadRequest, $"since: expected an ISO 8601 time, got '{sinceText}'");
                return false;
            }

            query = query with { Since = since };
        }

        if (q["severity"].FirstOrDefault() is { } severityText)
        {
            if (!SeverityNames.TryParse(severityText, out var severity))
            {
                error = Error(StatusCodes.Status400BadRequest, "severity: expected info, low, medium, high or critical");
                return false;
            }

            query = query with { MinimumSeverity = severity };
        }

        if (q["category"].Count > 0) query = query with { Categories = [.. q["category"].SelectMany(c => c!.Split(',', StringSplitOptions.RemoveEmptyEntries))] };
        if (q["repository"].FirstOrDefault() is { Length: > 0 } repository) query = query with { Repository = repository };
        if (q["status"].FirstOrDefault() is { } statusText)
        {
            statuses = statusText == "all" ? null : [.. statusText.Split(',', StringSplitOptions.RemoveEmptyEntries)];
            if (statuses?.Except([Triage.Open, Triage.Acknowledged, Triage.Closed, Triage.Suppressed]).FirstOrDefault() is { } unknown)
            {
                error = Error(StatusCodes.Status400BadRequest, $"status: '{unknown}' is not one of open, acknowledged, closed, suppressed, all");
                return false;
            }
        }

        return true;
    }

    /// <summary>The finding in the JSON Lines shape (<c>rule</c>, <c>category</c>, <c>severity</c>, <c>fingerprint</c>…), plus its <c>status</c>.</summary>
    private static JsonObject Shape(Finding finding, string? status)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            FindingJson.Write(writer, finding);
        }

        var node = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
        if (status is not null) node["status"] = status;
        return node;
    }

    private static async Task<JsonObject?> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentLength is 0 or > 64 * 1024) return null;
        try
        {
            return await JsonNode.ParseAsync(request.Body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Who acted: <c>by</c> in the body, else the <c>X-PipeWatch-User</c> header, else "api".</summary>
    private static string By(HttpRequest request, JsonObject? body)
    {
        var by = body?["by"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : request.Headers["X-PipeWatch-User"].FirstOrDefault();
        return string.IsNullOrWhiteSpace(by) ? "api" : by.Length > 200 ? by[..200] : by;
    }

    private static IResult Error(int status, string reason) => Results.Json(new { error = reason }, Json, statusCode: status);
}
