using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Network;

/// <summary>What one pipeline's job has reached: the endpoints (host:port) it connected to, and how many runs it has been seen in.</summary>
/// <remarks>Bounded: the last <see cref="RecentRunsKept"/> run ids and at most <see cref="MaxEndpoints"/> endpoints (past that, new ones are not learned).</remarks>
internal sealed class EgressEndpoints : IBaseline<EgressEndpoints>
{
    public const int MaxEndpoints = 4096;
    public const int RecentRunsKept = 32;

    private readonly List<string> _recentRuns = [];
    private readonly HashSet<string> _endpoints = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Repository: keyed by repository, pipeline and job.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>Distinct runs seen, the current one included.</summary>
    public long Runs { get; private set; }

    /// <summary>The endpoints learned, in the order first reached.</summary>
    public IReadOnlyList<string> Endpoints => _order;

    public static EgressEndpoints Create() => new();

    /// <summary>Counts <paramref name="runId"/> once, when it is not among the recent runs.</summary>
    public void ObserveRun(string runId)
    {
        if (_recentRuns.Contains(runId, StringComparer.Ordinal)) return;
        Runs++;
        _recentRuns.Add(runId);
        if (_recentRuns.Count > RecentRunsKept) _recentRuns.RemoveAt(0);
    }

    public bool Contains(string endpoint) => _endpoints.Contains(endpoint);

    public void Learn(string endpoint)
    {
        if (_endpoints.Count < MaxEndpoints && _endpoints.Add(endpoint)) _order.Add(endpoint);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Runs);
        writer.Write(_recentRuns.Count);
        foreach (var run in _recentRuns) writer.Write(run);
        writer.Write(_order.Count);
        foreach (var endpoint in _order) writer.Write(endpoint);
    }

    public static EgressEndpoints Read(BinaryReader reader)
    {
        var state = new EgressEndpoints { Runs = reader.ReadInt64() };
        var runs = reader.ReadInt32();
        for (var i = 0; i < runs; i++) state._recentRuns.Add(reader.ReadString());
        var endpoints = reader.ReadInt32();
        for (var i = 0; i < endpoints; i++) state.Learn(reader.ReadString());
        return state;
    }
}
