using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Performance;

/// <summary>The mining-pool ports a job's current run connected to, so its resource summary can weigh them with its CPU.</summary>
/// <remarks>Keeps one run: a connection from a new run forgets the last one's. At most 16 endpoints.</remarks>
internal sealed class PoolContacts : IBaseline<PoolContacts>
{
    private readonly List<string> _endpoints = [];

    /// <summary>Repository: keyed by repository, pipeline and job.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    public string RunId { get; private set; } = string.Empty;

    public IReadOnlyList<string> Endpoints => _endpoints;

    public static PoolContacts Create() => new();

    public void Add(string runId, string endpoint)
    {
        if (runId != RunId)
        {
            RunId = runId;
            _endpoints.Clear();
        }

        if (_endpoints.Count < 16 && !_endpoints.Contains(endpoint)) _endpoints.Add(endpoint);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(RunId);
        writer.Write(_endpoints.Count);
        foreach (var endpoint in _endpoints) writer.Write(endpoint);
    }

    public static PoolContacts Read(BinaryReader reader)
    {
        var state = new PoolContacts { RunId = reader.ReadString() };
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++) state._endpoints.Add(reader.ReadString());
        return state;
    }
}
