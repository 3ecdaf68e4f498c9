using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sources.CiServers;

namespace PipeWatch.Engine;

/// <summary>
/// Reads the configured CI servers (<c>serve.ci-servers</c>) through their APIs, writes what each runs into the store's inventory
/// (places <c>ci-server</c> and <c>runner</c>), and matches it against the advisory index: each vulnerable component is one
/// <c>vulnerability.ci-infrastructure</c> finding, stored once per fingerprint and remembered as reported for its advisory, so a
/// later <c>vulndb update --rematch</c> does not report it again.
/// </summary>
/// <remarks>Used by <c>inventory poll</c> (once) and <c>serve</c> (on a schedule). One inventory transaction per call; a place that could not be read keeps what it had.</remarks>
public static class CiServerPolling
{
    /// <summary>Polls each server in turn, then records and matches what was read.</summary>
    /// <param name="gitHubApiUrl">The GitHub API for entries that name none (<c>serve.github-api-url</c>).</param>
    /// <param name="environment">Reads the variables the entries' <c>${env:NAME}</c> tokens name.</param>
    /// <param name="alerts">The alert routes the new findings go through (none: they are only stored).</param>
    public static async Task<CiPollResult> PollAsync(
        IReadOnlyList<CiServerPoll> servers,
        string gitHubApiUrl,
        IInventoryStore store,
        IAdvisoryIndex advisories,
        HttpClient http,
        Func<string, string?> environment,
        IProblemReporter problems,
        DateTimeOffset now,
        CancellationToken ct = default,
        InventoryAlerts? alerts = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(store);
        var readings = new List<CiServerReading>();
        foreach (var server in servers)
        {
            readings.Add(await CiServerPollers.PollAsync(server, gitHubApiUrl, http, environment, problems, now, ct).ConfigureAwait(false));
        }

        var raised = Record(store, advisories, readings, now, alerts);
        if (alerts is not null) await alerts.DeliverAsync(raised).ConfigureAwait(false);
        return new CiPollResult(readings, raised);
    }

    private static List<Finding> Record(IInventoryStore store, IAdvisoryIndex advisories, IReadOnlyList<CiServerReading> readings, DateTimeOffset now, InventoryAlerts? alerts)
    {
        var raised = new List<Finding>();
        using var write = store.BeginInventory();
        foreach (var reading in readings)
        {
            foreach (var update in reading.Places)
            {
                write.Replace(update);
                var dependencies = update.Items.Select(i => i.ToDependency()).ToList();
                foreach (var match in VulnerabilityMatcher.Match(dependencies, advisories))
                {
                    var item = update.Items[dependencies.IndexOf(match.Dependency)];
                    var url = reading.Server.Kind == "github" ? update.Place.Id : $"{reading.Server.Url}/{item.Path.Split(' ')[0]}";
                    var finding = CiServerFindings.Vulnerable(update.Place, item, match, url, now);
                    if (write.TryAddFinding(finding)) raised.Add(finding);
                    write.RecordExposures(match.Advisory.Id, finding.Fingerprint, [new InventoryEntry(update.Place, item, now)], now);
                }
            }
        }

        alerts?.Stage(raised, write);
        write.Commit();
        return raised;
    }
}

/// <summary>What a poll did: each server's reading (its places and failures), and the findings it newly raised.</summary>
public sealed record CiPollResult(IReadOnlyList<CiServerReading> Readings, IReadOnlyList<Finding> Raised);
