using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.CiServers;

/// <summary>
/// An organization's or a repository's self-hosted GitHub Actions runners: <c>GET /orgs/{org}/actions/runners</c> or
/// <c>GET /repos/{owner}/{repo}/actions/runners</c> (paged, 100 a page): name, os and labels of each (the status, which changes from poll to poll, is not kept).
/// </summary>
/// <remarks>
/// <c>Authorization: Bearer</c> with <c>X-GitHub-Api-Version: 2022-11-28</c>. The API does not state a runner's version: each
/// runner is the place <c>runner github:orgs/ORG/runners/NAME</c> holding <c>actions/runner</c> with no version (listed, never
/// matched); the version a runner runs is what its job logs state (<c>Current runner version</c>), which the job-log detector
/// matches. At most <see cref="MaxRunners"/> runners are read.
/// </remarks>
internal static class GitHubRunnersPoller
{
    public const string Runner = "actions/runner";
    public const int MaxRunners = 5_000;
    private const int PerPage = 100;
    private const string Hint = "check the token; it needs admin:org (organization runners) or repo (repository runners), or a fine-grained token with self-hosted runners: read";

    public static async Task<CiServerReading> PollAsync(CiServerPoll server, string apiUrl, string? token, HttpClient http, IProblemReporter problems, DateTimeOffset now, CancellationToken ct)
    {
        var api = new CiServerApi(http, server, r =>
        {
            if (token is not null) r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            r.Headers.Accept.Clear();
            r.Headers.Accept.ParseAdd("application/vnd.github+json");
            r.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
            r.Headers.UserAgent.ParseAdd("pipewatch");
        }, problems);
        var places = new List<InventoryUpdate>();
        for (var page = 1; places.Count < MaxRunners; page++)
        {
            var path = $"{server.Scope}/actions/runners?per_page={PerPage}&page={page}";
            if (await api.GetJsonAsync($"{apiUrl}/{path}", path, Hint, ct).ConfigureAwait(false) is not { } answer) return new CiServerReading(server, [], api.Failures);
            using (answer.Json)
            using (answer.Response)
            {
                if (!answer.Json.RootElement.TryGetProperty("runners", out var runners) || runners.ValueKind != JsonValueKind.Array)
                {
                    api.Fail(path, "no 'runners' list in the answer");
                    return new CiServerReading(server, [], api.Failures);
                }

                foreach (var r in runners.EnumerateArray())
                {
                    if (r.ValueKind != JsonValueKind.Object || Text(r, "name") is not { } name || !r.TryGetProperty("id", out var idNode) || !idNode.TryGetInt64(out var id)) continue;
                    var labels = r.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Array
                        ? string.Join(", ", l.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Object ? Text(x, "name") : null).OfType<string>().Take(50))
                        : "";
                    // The status (online, offline, busy) changes from poll to poll and is left out, so the item stays the same row.
                    var what = $"actions/runners/{id.ToString(CultureInfo.InvariantCulture)} ({Text(r, "os") ?? "unknown os"}{(labels.Length > 0 ? $"; labels {labels}" : "")})";
                    var place = new InventoryPlace(PlaceKind.Runner, $"github:{server.Scope}/runners/{name}");
                    places.Add(new InventoryUpdate(place, null, [new InventoryItem(Ecosystems.GitHubActions, Runner, "", what, Source: "registry")], now));
                }

                if (runners.GetArrayLength() < PerPage) break;
            }
        }

        return new CiServerReading(server, places, api.Failures);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 and <= 256 } s ? s : null;
}
