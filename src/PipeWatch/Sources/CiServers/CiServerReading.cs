using PipeWatch.Configuration;
using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Sources.CiServers;

/// <summary>What one poll of a CI server read: each place it could read (the server, its runners) as it is now, and how many requests failed.</summary>
/// <param name="Places">Whole-place replacements for the inventory; a place that could not be read is not among them (it keeps what it had).</param>
/// <param name="Failures">Requests or settings that failed, each reported as a problem naming the server.</param>
public sealed record CiServerReading(CiServerPoll Server, IReadOnlyList<InventoryUpdate> Places, int Failures);
