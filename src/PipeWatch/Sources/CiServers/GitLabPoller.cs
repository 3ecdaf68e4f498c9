using System.Globalization;
using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.CiServers;

/// <summary>
/// A GitLab instance as it runs: its version (<c>GET /api/v4/version</c>) and, where the token allows (administrator or auditor),
/// every runner (<c>GET /api/v4/runners/all</c>, paged) with the version, platform and architecture it reported
/// (<c>GET /api/v4/runners/:id</c>; on GitLab versions that no longer fill those fields there, each runner manager's from
/// <c>GET /api/v4/runners/:id/managers</c>).
/// </summary>
/// <remarks>
/// <c>PRIVATE-TOKEN</c> authentication. The instance is the place <c>ci-server URL</c> holding <c>GitLab gitlab-ee|gitlab-ce</c>;
/// each runner is the place <c>runner URL/admin/runners/ID</c> holding the Go module <c>gitlab.com/gitlab-org/gitlab-runner</c> at
/// <c>vX.Y.Z</c> (as Go advisories name it), one item per version its managers run. Runners whose list is refused leave the
/// instance recorded and are reported. At most <see cref="MaxRunners"/> runners are read.
/// </remarks>
internal static class GitLabPoller
{
    public const string Runner = "gitlab.com/gitlab-org/gitlab-runner";
    public const int MaxRunners = 2_000;
    private const int PerPage = 100;
    private const string Hint = "check the token; listing every runner needs an administrator or auditor token with read_api";

    public static async Task<CiServerReading> PollAsync(CiServerPoll server, string? token, HttpClient http, IProblemReporter problems, DateTimeOffset now, CancellationToken ct)
    {
        var api = new CiServerApi(http, server, r =>
        {
            if (token is not null) r.Headers.Add("PRIVATE-TOKEN", token);
        }, problems);
        var root = server.Url!;
        var places = new List<InventoryUpdate>();
        var answer = await api.GetJsonAsync($"{root}/api/v4/version", "api/v4/version", Hint, ct).ConfigureAwait(false);
        if (answer is not { } version) return new CiServerReading(server, places, api.Failures);
        using (version.Json)
        using (version.Response)
        {
            if (Text(version.Json.RootElement, "version") is not { } stated)
            {
                api.Fail("api/v4/version", "no 'version' in the answer");
                return new CiServerReading(server, places, api.Failures);
            }

            // "17.9.1-ee": the edition is the package, the release its version.
            var dash = stated.IndexOf('-', StringComparison.Ordinal);
            var edition = dash > 0 ? stated[(dash + 1)..] : "";
            var name = edition is "ee" or "ce" ? $"gitlab-{edition}" : "gitlab";
            places.Add(new InventoryUpdate(new InventoryPlace(PlaceKind.CiServer, root), null, [new InventoryItem(Ecosystems.GitLab, name, dash > 0 ? stated[..dash] : stated, "api/v4/version", Source: "registry")], now));
        }

        var runners = new List<(long Id, string? Description)>();
        for (var page = 1; runners.Count < MaxRunners; page++)
        {
            var path = $"api/v4/runners/all?per_page={PerPage}&page={page}";
            if (await api.GetJsonAsync($"{root}/{path}", path, Hint, ct).ConfigureAwait(false) is not { } list) break;
            using (list.Json)
            using (list.Response)
            {
                if (list.Json.RootElement.ValueKind != JsonValueKind.Array)
                {
                    api.Fail(path, "the answer is not a list of runners");
                    break;
                }

                foreach (var r in list.Json.RootElement.EnumerateArray())
                {
                    if (r.ValueKind == JsonValueKind.Object && r.TryGetProperty("id", out var id) && id.TryGetInt64(out var n)) runners.Add((n, Text(r, "description")));
                }

                var next = list.Response.Headers.TryGetValues("X-Next-Page", out var values) ? values.FirstOrDefault() : null;
                if (string.IsNullOrEmpty(next) || list.Json.RootElement.GetArrayLength() < PerPage) break;
            }
        }

        foreach (var (id, _) in runners.Take(MaxRunners))
        {
            if (await RunnerAsync(api, root, id, now, ct).ConfigureAwait(false) is { } place) places.Add(place);
        }

        return new CiServerReading(server, places, api.Failures);
    }

    private static async Task<InventoryUpdate?> RunnerAsync(CiServerApi api, string root, long id, DateTimeOffset now, CancellationToken ct)
    {
        var ids = id.ToString(CultureInfo.InvariantCulture);
        var path = $"api/v4/runners/{ids}";
        var items = new List<InventoryItem>();
        if (await api.GetJsonAsync($"{root}/{path}", path, Hint, ct).ConfigureAwait(false) is not { } details) return null;
        using (details.Json)
        using (details.Response)
        {
            if (Item(details.Json.RootElement, path) is { } item) items.Add(item);
        }

        if (items.Count == 0)
        {
            // GitLab 17 and later keep the version per runner manager (one per machine the runner's token is used on).
            var managers = $"{path}/managers";
            if (await api.GetJsonAsync($"{root}/{managers}", managers, Hint, ct).ConfigureAwait(false) is { } list)
            {
                using (list.Json)
                using (list.Response)
                {
                    if (list.Json.RootElement.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var m in list.Json.RootElement.EnumerateArray().Take(100))
                        {
                            var system = m.ValueKind == JsonValueKind.Object ? Text(m, "system_id") : null;
                            if (Item(m, system is null ? managers : $"{managers}/{system}") is { } item) items.Add(item);
                        }
                    }
                }
            }
        }

        return new InventoryUpdate(new InventoryPlace(PlaceKind.Runner, $"{root}/admin/runners/{ids}"), null, [.. items.DistinctBy(i => i.Key)], now);
    }

    // "17.9.1" reported by a runner (linux, amd64): the Go module at v17.9.1, its path naming the platform.
    private static InventoryItem? Item(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object || Text(e, "version") is not { } version || !char.IsAsciiDigit(version[0])) return null;
        var platform = string.Join('/', new[] { Text(e, "platform"), Text(e, "architecture") }.OfType<string>());
        return new InventoryItem(Ecosystems.Go, Runner, "v" + version, platform.Length > 0 ? $"{path} ({platform})" : path, Source: "registry");
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 and <= 256 } s ? s : null;
}
