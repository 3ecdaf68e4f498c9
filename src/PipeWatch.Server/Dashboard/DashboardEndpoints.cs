using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PipeWatch.Server.Api;
using PipeWatch.Server.Hooks;

namespace PipeWatch.Server.Dashboard;

/// <summary>
/// The dashboard at <c>/</c>: the sign-in form (<c>/login</c>), the page and its embedded files (<c>/assets/</c>), the session
/// (<c>/api/session</c>), the live stream of new findings (<c>/api/stream</c>, server-sent events) and the repositories' activity
/// (<c>/api/repositories</c>); every answer carries a strict Content-Security-Policy.
/// </summary>
/// <param name="forges">Web addresses of repositories followed from pipewatch.yml (<c>serve.repositories</c>), by name, for links to commits and files.</param>
internal sealed class DashboardEndpoints(DashboardSessions sessions, LiveFindings live, RecentEvents events, IReadOnlyDictionary<string, string> forges)
{
    /// <summary>Only the server's own origin: no inline script or style, no frames, no other host for anything.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on the sign-in form, which is refused.
            headers["Referrer-Policy"] = "same-origin";
            if (!sessions.TryAttach(context, out var refusal))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = refusal }, Json);
                return;
            }

            await next(context);
        });

        app.MapGet("/", (HttpContext context) => DashboardSessions.IsSignedIn(context) ? Asset(context, "index.html") : Results.Redirect("/login"));
        app.MapGet("/login", (HttpContext context) => Asset(context, "login.html"));
        app.MapPost("/login", (Func<HttpContext, Task<IResult>>)SignInAsync);
        app.MapGet("/assets/{name}", (HttpContext context, string name) => Asset(context, name));

        app.MapGet("/api/session", (HttpContext context) => DashboardSessions.Of(context) is { } s
            ? Results.Json(new { user = s.User, csrf = s.Csrf, forges }, Json)
            : Results.Json(new { error = "not signed in" }, Json, statusCode: StatusCodes.Status401Unauthorized));
        app.MapDelete("/api/session", (HttpContext context) =>
        {
            if (!DashboardSessions.IsSignedIn(context)) return Results.Json(new { error = "not signed in" }, Json, statusCode: StatusCodes.Status401Unauthorized);
            sessions.SignOut(context.Request.Cookies[DashboardSessions.CookieName]);
            context.Response.Cookies.Delete(DashboardSessions.CookieName, CookieOptions(context));
            return Results.NoContent();
        });
        app.MapGet("/api/stream", StreamAsync);
        app.MapGet("/api/repositories", (HttpContext context) => Authorized(context) ?? Results.Json(new { repositories = events.Repositories() }, Json));
    }

    private async Task<IResult> SignInAsync(HttpContext context)
    {
        // A cross-site form cannot sign a browser in (login CSRF): a browser names the page's origin on a POST ("null" from a
        // sandboxed frame is refused too). A client that sends no Origin (curl) is not a browser being led.
        var origin = context.Request.Headers.Origin.FirstOrDefault();
        if (origin is not null && !SameOrigin(context.Request, origin))
        {
            return Results.Json(new { error = "sign-in from another origin" }, Json, statusCode: StatusCodes.Status403Forbidden);
        }

        if (!context.Request.HasFormContentType) return Results.Redirect("/login?failed=1", permanent: false);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var signedIn = sessions.SignIn(form["token"].FirstOrDefault(), form["name"].FirstOrDefault());
        if (signedIn is not { } s)
        {
            // Slows guessing; the answer says nothing about why.
            await Task.Delay(TimeSpan.FromMilliseconds(300), context.RequestAborted);
            return Results.Redirect("/login?failed=1");
        }

        context.Response.Cookies.Append(DashboardSessions.CookieName, s.Id, CookieOptions(context));
        return Results.Redirect("/");
    }

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    private async Task StreamAsync(HttpContext context)
    {
        if (Authorized(context) is { } refused)
        {
            await refused.ExecuteAsync(context);
            return;
        }

        if (live.Subscribe() is not { } subscription)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(new { error = "too many open streams" }, Json);
            return;
        }

        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = both.Token;
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.WriteAsync("retry: 2000\n: connected\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(Heartbeat);
                string? message = null;
                try
                {
                    if (await subscription.Reader.WaitToReadAsync(wait.Token)) subscription.Reader.TryRead(out message);
                    else break;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Heartbeat: keeps proxies from closing an idle stream.
                }

                var text = message is null ? ": keep-alive\n\n" : $"event: findings\ndata: {message}\n\n";
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
                await context.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser left, or the server is stopping.
        }
        finally
        {
            live.Unsubscribe(subscription.Id);
        }
    }

    /// <summary>Null when the request has the session or the API bearer token; else the refusal (401 without, 403 with a wrong token).</summary>
    private IResult? Authorized(HttpContext context)
    {
        if (DashboardSessions.IsSignedIn(context)) return null;
        var given = WebhookSecrets.Bearer(context.Request.Headers.Authorization.FirstOrDefault());
        if (given is null) return Results.Json(new { error = "sign in, or give a bearer token (Authorization: Bearer TOKEN)" }, Json, statusCode: StatusCodes.Status401Unauthorized);
        return sessions.IsApiToken(given) ? null : Results.Json(new { error = "the bearer token is not the API token" }, Json, statusCode: StatusCodes.Status403Forbidden);
    }

    private static IResult Asset(HttpContext context, string name)
    {
        if (!DashboardAssets.All.TryGetValue(name, out var asset)) return Results.NotFound();
        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>
    /// The web address of each followed repository with an http(s) clone URL: without credentials, <c>.git</c> or a trailing slash
    /// (<c>https://github.com/acme/api</c>), so the page can link a commit or a file line.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Forges(IEnumerable<Configuration.FollowedRepository> repositories)
    {
        var forges = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var repository in repositories)
        {
            if (!Uri.TryCreate(repository.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)) continue;
            var path = url.AbsolutePath.TrimEnd('/');
            if (path.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) path = path[..^4];
            // Never the user-info part: a clone URL may carry a token.
            forges[repository.Name] = new UriBuilder(url.Scheme, url.Host, url.IsDefaultPort ? -1 : url.Port, path).Uri.ToString().TrimEnd('/');
        }

        return forges;
    }

    private static bool SameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
