using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PipeWatch.Diagnostics;
using PipeWatch.Server.Intake;
using PipeWatch.Sources.Intake;

namespace PipeWatch.Server.Hooks;

/// <summary>
/// <c>POST /hooks/github</c>, <c>/hooks/gitlab</c>, <c>/hooks/jenkins</c>, <c>/hooks/generic</c> and <c>/ingest</c>: each request is
/// size-checked, authenticated, checked to be JSON, and stored in the intake queue before it is acknowledged (202).
/// </summary>
/// <remarks>
/// Refusals, none of which stores anything: 413 too large, 401 unsigned or bad token, 400 malformed (bad JSON, no event or delivery
/// header), 409 a replayed delivery id, 429 (with Retry-After) when the backlog is full, 503 (with Retry-After) when the queue
/// (JetStream) cannot be reached. A ping or an event PipeWatch does not read is
/// answered 200 and not stored. Each refusal's reason is in the answer and reported to the problem log, never with a secret in it.
/// </remarks>
internal sealed class HookEndpoints(IWebhookIntake queue, WebhookSecrets secrets, long maxBodyBytes, ServerMetrics metrics, IProblemReporter problems, TimeProvider time)
{
    private const int RetryAfterSeconds = 2;

    public void Map(WebApplication app)
    {
        app.MapPost("/hooks/github", GitHubAsync);
        app.MapPost("/hooks/gitlab", GitLabAsync);
        app.MapPost("/hooks/jenkins", context => TokenAsync(context, "jenkins", "/hooks/jenkins"));
        app.MapPost("/hooks/generic", context => TokenAsync(context, "generic", "/hooks/generic"));
        app.MapPost("/ingest", context => TokenAsync(context, "ingest", "/ingest"));
    }

    private async Task GitHubAsync(HttpContext context)
    {
        const string endpoint = "/hooks/github";
        var body = await ReadBodyAsync(context, endpoint);
        if (body is null) return;
        var request = context.Request;
        if (!secrets.GitHubSignatureMatches(request.Headers["X-Hub-Signature-256"].FirstOrDefault(), body))
        {
            var reason = secrets.GitHub.Count == 0
                ? "no GitHub webhook secret is configured (PIPEWATCH_GITHUB_WEBHOOK_SECRET)"
                : request.Headers.ContainsKey("X-Hub-Signature-256") ? "X-Hub-Signature-256 does not match the body" : "no X-Hub-Signature-256 header";
            await RefuseAsync(context, endpoint, StatusCodes.Status401Unauthorized, reason);
            return;
        }

        var eventName = request.Headers["X-GitHub-Event"].FirstOrDefault();
        var delivery = request.Headers["X-GitHub-Delivery"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(eventName))
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, "no X-GitHub-Event header");
            return;
        }

        if (!PayloadOrigin.IsValidDeliveryId(delivery))
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, "no valid X-GitHub-Delivery header");
            return;
        }

        if (eventName == "ping")
        {
            await AnswerAsync(context, endpoint, StatusCodes.Status200OK, new { status = "pong" });
            return;
        }

        await AcceptAsync(context, endpoint, body, "github", delivery!, PayloadHint.GitHubEvent(eventName), $"github:{eventName.Trim()}");
    }

    private async Task GitLabAsync(HttpContext context)
    {
        const string endpoint = "/hooks/gitlab";
        var body = await ReadBodyAsync(context, endpoint);
        if (body is null) return;
        var request = context.Request;
        if (!WebhookSecrets.TokenMatches(request.Headers["X-Gitlab-Token"].FirstOrDefault(), secrets.GitLab))
        {
            var reason = secrets.GitLab is null ? "no GitLab webhook token is configured (PIPEWATCH_GITLAB_WEBHOOK_TOKEN)" : "X-Gitlab-Token is missing or wrong";
            await RefuseAsync(context, endpoint, StatusCodes.Status401Unauthorized, reason);
            return;
        }

        var eventName = request.Headers["X-Gitlab-Event"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(eventName))
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, "no X-Gitlab-Event header");
            return;
        }

        var delivery = request.Headers["X-Gitlab-Event-UUID"].FirstOrDefault();
        if (delivery is not null && !PayloadOrigin.IsValidDeliveryId(delivery))
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, "X-Gitlab-Event-UUID is not a valid delivery id");
            return;
        }

        await AcceptAsync(context, endpoint, body, "gitlab", delivery, PayloadHint.GitLabEvent(eventName), $"gitlab:{eventName.Trim()}");
    }

    /// <summary>The bearer-token endpoints: a Jenkins notification, a generic JSON document, or JSON Lines of any format <c>ingest</c> reads.</summary>
    private async Task TokenAsync(HttpContext context, string platform, string endpoint)
    {
        var body = await ReadBodyAsync(context, endpoint);
        if (body is null) return;
        var request = context.Request;
        if (!WebhookSecrets.TokenMatches(WebhookSecrets.Bearer(request.Headers.Authorization.FirstOrDefault()), secrets.Ingest))
        {
            var reason = secrets.Ingest is null ? "no ingest token is configured (PIPEWATCH_INGEST_TOKEN)" : "a bearer token is missing or wrong";
            await RefuseAsync(context, endpoint, StatusCodes.Status401Unauthorized, reason);
            return;
        }

        var delivery = request.Headers["Idempotency-Key"].FirstOrDefault();
        if (delivery is not null && !PayloadOrigin.IsValidDeliveryId(delivery))
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, "Idempotency-Key is not 1 to 128 letters, digits and '-._:'");
            return;
        }

        var format = request.Query["format"].FirstOrDefault();
        if (endpoint == "/ingest" && (format == IntakeKinds.Auditd || (format is null && Sources.Runner.Collectors.AuditdSource.Detect(body))))
        {
            // An audit log is text: read as ingest reads an audit log file, not by the JSON reader.
            await AcceptAsync(context, endpoint, body, platform, delivery, null, null, IntakeKinds.Auditd);
            return;
        }

        if (format is not null && Sources.PayloadFormats.Find(format) is null)
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, $"format '{Shown(format)}' is not one PipeWatch reads");
            return;
        }

        await AcceptAsync(context, endpoint, body, platform, delivery, format is null ? null : PayloadHint.Format(format), format is null ? null : $"format:{format}");
    }

    private async Task AcceptAsync(HttpContext context, string endpoint, byte[] body, string platform, string? delivery, PayloadHint? hint, string? storedHint, string kind = IntakeKinds.Payload)
    {
        if (hint is { FormatIds.Count: 0 })
        {
            // An event PipeWatch does not read: answered, so the sender does not retry, and not stored.
            await AnswerAsync(context, endpoint, StatusCodes.Status200OK, new { status = "ignored", reason = $"{hint} is not an event PipeWatch reads" });
            return;
        }

        if (kind == IntakeKinds.Payload && JsonProblem(body) is { } problem)
        {
            await RefuseAsync(context, endpoint, StatusCodes.Status400BadRequest, problem);
            return;
        }

        var origin = delivery is null ? $"webhook:{platform}" : $"webhook:{platform}/{delivery}";
        var item = new IntakeItem(kind, platform, delivery, storedHint, origin, body, time.GetUtcNow().ToUnixTimeMilliseconds());
        switch (await queue.EnqueueAsync(item))
        {
            case EnqueueOutcome.Accepted:
                metrics.Backlog.Set(queue.Backlog);
                await AnswerAsync(context, endpoint, StatusCodes.Status202Accepted, new { status = "accepted" });
                break;
            case EnqueueOutcome.Replayed:
                await RefuseAsync(context, endpoint, StatusCodes.Status409Conflict, $"delivery {delivery} was received before (a replay)");
                break;
            case EnqueueOutcome.Unavailable:
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                problems.Report(new Problem($"{endpoint} from {context.Connection.RemoteIpAddress}", "refused (503): the queue cannot be reached; nothing was stored"));
                await AnswerAsync(context, endpoint, StatusCodes.Status503ServiceUnavailable, new { status = "refused", reason = "the queue cannot be reached; retry later" });
                break;
            case EnqueueOutcome.TooLarge:
                await RefuseAsync(context, endpoint, StatusCodes.Status413PayloadTooLarge, $"the body ({body.Length} bytes) is larger than the queue takes in one message");
                break;
            default:
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await AnswerAsync(context, endpoint, StatusCodes.Status429TooManyRequests, new { status = "refused", reason = "the intake backlog is full; retry later" });
                break;
        }
    }

    /// <summary>The body, or null after answering 413 when it is larger than the limit.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context, string endpoint)
    {
        var request = context.Request;
        if (request.ContentLength > maxBodyBytes)
        {
            // The rest of the body is not read: the connection closes after the answer.
            context.Response.Headers.Connection = "close";
            await RefuseAsync(context, endpoint, StatusCodes.Status413PayloadTooLarge, $"the body ({request.ContentLength} bytes) is larger than {maxBodyBytes} bytes");
            return null;
        }

        using var copy = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        var buffer = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (copy.Length + read > maxBodyBytes)
            {
                context.Response.Headers.Connection = "close";
                await RefuseAsync(context, endpoint, StatusCodes.Status413PayloadTooLarge, $"the body is larger than {maxBodyBytes} bytes");
                return null;
            }

            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    /// <summary>Why the body is not one JSON document or JSON Lines of them, or null when it is.</summary>
    internal static string? JsonProblem(byte[] body)
    {
        var span = body.AsSpan();
        if (span.StartsWith(FileShapeBom)) span = span[FileShapeBom.Length..];
        if (span.Trim(" \t\r\n"u8).IsEmpty) return "the body is empty";
        if (!System.Text.Unicode.Utf8.IsValid(span)) return "the body is not valid UTF-8";

        // One document (possibly spread over lines), or else JSON Lines: every non-blank line one document.
        if (IsDocument(span)) return null;
        var line = 0;
        foreach (var range in span.Split((byte)'\n'))
        {
            line++;
            var text = span[range].Trim(" \t\r"u8);
            if (text.IsEmpty) continue;
            if (!IsDocument(text)) return line == 1 && !span.Contains((byte)'\n') ? "the body is not valid JSON" : $"line {line} is not valid JSON";
        }

        return null;
    }

    private static ReadOnlySpan<byte> FileShapeBom => [0xEF, 0xBB, 0xBF];

    private static bool IsDocument(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task RefuseAsync(HttpContext context, string endpoint, int status, string reason)
    {
        problems.Report(new Problem($"{endpoint} from {context.Connection.RemoteIpAddress}", $"refused ({status}): {reason}"));
        await AnswerAsync(context, endpoint, status, new { status = "refused", reason });
    }

    private Task AnswerAsync(HttpContext context, string endpoint, int status, object answer)
    {
        metrics.Requests.WithLabels(endpoint, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(answer, context.RequestAborted);
    }

    private static string Shown(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
