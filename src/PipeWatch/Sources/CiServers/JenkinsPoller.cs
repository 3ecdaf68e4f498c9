using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.CiServers;

/// <summary>
/// A Jenkins controller as it runs: its version from the <c>X-Jenkins</c> header Jenkins sends on every answer (read from
/// <c>GET /api/json?tree=mode</c>, the smallest remote-API answer), and its plugins from <c>GET /pluginManager/api/json?depth=1</c>
/// (<c>shortName</c>, <c>version</c>, <c>active</c>, <c>enabled</c>).
/// </summary>
/// <remarks>
/// Basic authentication with a user and its API token. The core is the Maven package <c>org.jenkins-ci.main:jenkins-core</c>, as
/// advisories name it; a plugin that is active (loaded now) or enabled (loaded at the next start) is recorded, a plugin neither
/// active nor enabled is installed but does not run and is left out. At most <see cref="MaxPlugins"/> plugins are read.
/// </remarks>
internal static class JenkinsPoller
{
    public const string Core = "org.jenkins-ci.main:jenkins-core";
    public const int MaxPlugins = 10_000;

    private const string VersionPath = "api/json?tree=mode";
    private const string PluginsPath = "pluginManager/api/json?depth=1";
    private const string Hint = "check the user and its API token, and that the user has Overall/Read (plugins: Overall/Administer or Overall/SystemRead)";

    public static async Task<CiServerReading> PollAsync(CiServerPoll server, string? token, HttpClient http, IProblemReporter problems, DateTimeOffset now, CancellationToken ct)
    {
        var basic = token is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{server.User}:{token}"));
        var api = new CiServerApi(http, server, r =>
        {
            if (basic is not null) r.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }, problems);
        if (token is not null && string.IsNullOrEmpty(server.User))
        {
            api.Fail("user", "a Jenkins API token needs the user it belongs to (user:)");
            return new CiServerReading(server, [], api.Failures);
        }

        var root = server.Url!;
        var items = new List<InventoryItem>();
        var answer = await api.GetJsonAsync($"{root}/{VersionPath}", VersionPath, Hint, ct).ConfigureAwait(false);
        if (answer is not { } version) return new CiServerReading(server, [], api.Failures);
        using (version.Json)
        using (version.Response)
        {
            var stated = version.Response.Headers.TryGetValues("X-Jenkins", out var values) ? values.FirstOrDefault()?.Trim() : null;
            if (stated is null || stated.Length is 0 or > 64 || !char.IsAsciiDigit(stated[0]))
            {
                api.Fail(VersionPath, "the answer has no X-Jenkins header: not a Jenkins, or a proxy removed it");
                return new CiServerReading(server, [], api.Failures);
            }

            items.Add(new InventoryItem(Ecosystems.Maven, Core, stated, "api/json (X-Jenkins header)", Source: "registry"));
        }

        var plugins = await api.GetJsonAsync($"{root}/{PluginsPath}", PluginsPath, Hint, ct).ConfigureAwait(false);
        if (plugins is not { } list) return new CiServerReading(server, [], api.Failures);
        using (list.Json)
        using (list.Response)
        {
            if (!list.Json.RootElement.TryGetProperty("plugins", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                api.Fail(PluginsPath, "no 'plugins' array in the answer");
                return new CiServerReading(server, [], api.Failures);
            }

            foreach (var plugin in array.EnumerateArray().Take(MaxPlugins))
            {
                if (plugin.ValueKind != JsonValueKind.Object || Text(plugin, "shortName") is not { } name || Text(plugin, "version") is not { } pluginVersion) continue;
                if (!Flag(plugin, "active") && !Flag(plugin, "enabled")) continue;
                items.Add(new InventoryItem(Ecosystems.JenkinsPlugin, name, pluginVersion, "pluginManager/api/json", Source: "registry"));
            }
        }

        return new CiServerReading(server, [new InventoryUpdate(new InventoryPlace(PlaceKind.CiServer, root), null, items, now)], api.Failures);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 and <= 256 } s ? s : null;

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
