using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store;

namespace PipeWatch.Server.Api;

/// <summary>
/// The alert routes in the API (bearer token, as the rest of <c>/api</c>): <c>GET /api/alerts/dead-letters</c> lists what the routes could
/// not deliver, <c>POST /api/alerts/retry</c> sends it again (as <c>pipewatch alerts retry</c>); a finding closed through the API is
/// resolved on the routes whose service keeps open incidents (PagerDuty, same <c>dedup_key</c>).
/// </summary>
/// <remarks>Each request opens the delivery log on its own connection. Resolves run in the background and are awaited (bounded) when the server stops.</remarks>
internal sealed class AlertEndpoints(AlertRouter? router, IStore store, ISharedTables tables, Triage triage, IProblemReporter problems)
{
    private const int MaxLetters = 10_000;
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Task, bool> _resolving = new();

    public void Map(WebApplication app, RouteGroupBuilder api)
    {
        api.MapGet("/alerts/dead-letters", (HttpRequest request) => DeadLetters(request.Query["route"].FirstOrDefault()));
        api.MapPost("/alerts/retry", RetryAsync);
        triage.Acted = (fingerprint, action) =>
        {
            if (action != "close" || router is null) return;
            var task = ResolveAsync(fingerprint);
            _resolving[task] = true;
            _ = task.ContinueWith(t => _resolving.TryRemove(t, out _), TaskScheduler.Default);
        };
        app.Lifetime.ApplicationStopping.Register(() => Task.WhenAll(_resolving.Keys).Wait(StopWait));
    }

    private IResult DeadLetters(string? route)
    {
        var letters = ReadDeadLetters(route);
        var items = letters.Select(l => new JsonObject
        {
            ["route"] = l.Route,
            ["fingerprint"] = l.Alert.Finding.Fingerprint,
            ["rule"] = l.Alert.Finding.Rule,
            ["severity"] = l.Alert.Finding.Severity.ToWire(),
            ["title"] = l.Alert.Finding.Title,
            ["incident"] = l.Alert.IncidentId,
            ["attempts"] = l.Attempts,
            ["error"] = l.Error,
            ["failed_at"] = l.FailedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        });
        return Results.Json(new JsonObject { ["dead_letters"] = new JsonArray([.. items]), ["count"] = letters.Count });
    }

    private async Task<IResult> RetryAsync(HttpRequest request)
    {
        string? route = null;
        if (request.ContentLength is > 0)
        {
            try
            {
                var body = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                route = body?["route"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;
            }
            catch (JsonException ex)
            {
                return Results.Json(new { error = $"expected a JSON object such as {{\"route\":\"NAME\"}} or no body: {ex.Message}" }, statusCode: StatusCodes.Status400BadRequest);
            }
        }

        if (router is null || router.Routes.Count == 0) return Results.Json(new { error = "no alert routes are configured (alerts.routes in pipewatch.yml)" }, statusCode: StatusCodes.Status409Conflict);
        if (route is not null && router.Find(route) is null)
        {
            return Results.Json(new { error = $"no alerts route named '{route}'" }, statusCode: StatusCodes.Status404NotFound);
        }

        var letters = ReadDeadLetters(route);

        var outcomes = await router.RetryAsync(letters, request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject
        {
            ["retried"] = letters.Count,
            ["delivered"] = outcomes.Sum(o => o.Delivered),
            ["failed"] = outcomes.Sum(o => o.Failed),
            ["routes"] = new JsonArray([.. outcomes.Select(o => new JsonObject
            {
                ["route"] = o.Route,
                ["letters"] = o.Letters,
                ["delivered"] = o.Delivered,
                ["failed"] = o.Failed,
                ["configured"] = !o.RouteMissing,
            })]),
        });
    }

    // The closed finding as its alert was (with its incident: a grouped PagerDuty route's dedup_key), resolved on every route that can.
    private async Task ResolveAsync(string fingerprint)
    {
        try
        {
            Finding? finding;
            using (var reader = store.OpenReader())
            {
                finding = reader.FindingByFingerprint(fingerprint);
            }

            if (finding is null) return;
            var alert = new Alert(finding, IncidentOf(fingerprint) is { } id ? new AlertIncident(id, false) : null);
            await router!.ResolveAsync(alert, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Data.Common.DbException or StoreException or OperationCanceledException or InvalidOperationException)
        {
            problems.Report(new Problem($"resolve {fingerprint}", $"cannot resolve the closed finding on the alert routes ({ex.Message})"));
        }
    }

    // The store's delivery log (SQLite or PostgreSQL), opened for the one read.
    private IReadOnlyList<DeadLetter> ReadDeadLetters(string? route)
    {
        var log = StoreFactory.OpenDeliveryLog(store);
        try
        {
            return log.DeadLetters(route, MaxLetters);
        }
        finally
        {
            (log as IDisposable)?.Dispose();
        }
    }

    private string? IncidentOf(string fingerprint)
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT incident_id FROM incident_findings WHERE fingerprint = @f";
        command.AddParameter("@f", fingerprint);
        return command.ExecuteScalar() as string;
    }
}
