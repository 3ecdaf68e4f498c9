using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace PipeWatch.Server.Dashboard;

/// <summary>A signed-in browser: who (the name given at sign-in, recorded with each action), its CSRF token and when it lapses.</summary>
internal sealed record DashboardSession(string User, string Csrf, DateTimeOffset Expires);

/// <summary>
/// The dashboard's sessions: the serve API token signs in (compared as hashes, in constant time) and gets a random session id in an
/// HTTP-only, SameSite=Strict cookie; every state-changing call under <c>/api</c> made with that cookie must carry the session's CSRF
/// token in <c>X-CSRF-Token</c>. Sessions live in memory (a restart signs everyone out), lapse after <see cref="IdleTimeout"/> unused,
/// and are bounded in number (the least recently used goes first).
/// </summary>
/// <remarks>Thread-safe. Only session ids' hashes are kept as keys.</remarks>
internal sealed class DashboardSessions(string tokenHash, TimeProvider time)
{
    public const string CookieName = "pipewatch_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public const int MaxSessions = 1000;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(12);
    private const string ItemKey = "pipewatch.dashboard.session";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>True when the request was made with a valid session (and, for a change, its CSRF token).</summary>
    public static bool IsSignedIn(HttpContext context) => context.Items.ContainsKey(ItemKey);

    public static DashboardSession? Of(HttpContext context) => context.Items.TryGetValue(ItemKey, out var s) ? s as DashboardSession : null;

    /// <summary>True when <paramref name="token"/> is the API token.</summary>
    public bool IsApiToken(string? token) =>
        !string.IsNullOrEmpty(token)
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Api.Triage.Hash(token)), Encoding.ASCII.GetBytes(tokenHash));

    /// <summary>A new session for the API token's holder; null when the token is not the API token.</summary>
    public (string Id, DashboardSession Session)? SignIn(string? token, string? user)
    {
        if (!IsApiToken(token)) return null;
        var id = NewSecret();
        var name = string.IsNullOrWhiteSpace(user) ? "dashboard" : user.Trim();
        var session = new DashboardSession(name.Length > 100 ? name[..100] : name, NewSecret(), time.GetUtcNow() + IdleTimeout);
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var lapsed in _sessions.Where(s => s.Value.Expires <= now).Select(s => s.Key).ToList()) _sessions.Remove(lapsed);
            if (_sessions.Count >= MaxSessions) _sessions.Remove(_sessions.MinBy(s => s.Value.Expires).Key);
            _sessions[Hash(id)] = session;
        }

        return (id, session);
    }

    public void SignOut(string? id)
    {
        if (id is null) return;
        lock (_lock) _sessions.Remove(Hash(id));
    }

    /// <summary>The live session of a cookie value, its idle time renewed; null when there is none.</summary>
    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 100) return null;
        var key = Hash(id);
        lock (_lock)
        {
            if (!_sessions.TryGetValue(key, out var session)) return null;
            var now = time.GetUtcNow();
            if (session.Expires <= now)
            {
                _sessions.Remove(key);
                return null;
            }

            return _sessions[key] = session with { Expires = now + IdleTimeout };
        }
    }

    /// <summary>
    /// Marks the request as signed in when its cookie names a live session; a change (POST, PUT, PATCH, DELETE) also needs the CSRF
    /// header. A request with an <c>Authorization</c> header is left to the bearer check. False (with the reason) when a change with
    /// the cookie lacks the CSRF token.
    /// </summary>
    public bool TryAttach(HttpContext context, out string? refusal)
    {
        refusal = null;
        var request = context.Request;
        if (request.Headers.Authorization.Count > 0) return true;
        if (Find(request.Cookies[CookieName]) is not { } session) return true;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method))
        {
            var given = request.Headers[CsrfHeader].FirstOrDefault() ?? string.Empty;
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(session.Csrf)))
            {
                refusal = $"a change made with the dashboard's session needs its CSRF token in {CsrfHeader}";
                return false;
            }
        }

        context.Items[ItemKey] = session;
        // Actions through the API record who made them (ApiEndpoints reads this header).
        request.Headers["X-PipeWatch-User"] = session.User;
        return true;
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string id) => Api.Triage.Hash(id);
}
