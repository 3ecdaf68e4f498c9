using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Who has deployed one repository to one environment, how often bots and humans did, and the review state of recent runs.</summary>
internal sealed class DeployActors : IBaseline<DeployActors>
{
    /// <summary>Actors kept; past it the least active is forgotten.</summary>
    public const int Capacity = 256;

    /// <summary>Runs whose review state is kept.</summary>
    public const int ReviewCapacity = 128;

    private readonly Dictionary<string, long> _actors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _reviews = new(StringComparer.Ordinal);
    private readonly Queue<string> _reviewOrder = new();
    private RecentIds _ids = new();

    /// <summary>Repository: keyed by deployment scope (the repository, else the pipeline) and environment.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    public long Deployments { get; private set; }

    public long BotDeployments { get; private set; }

    public long HumanDeployments => Deployments - BotDeployments;

    /// <summary>Distinct actors seen.</summary>
    public int ActorCount => _actors.Count;

    public static DeployActors Create() => new();

    public bool IsNew(string id) => _ids.Add(id);

    public bool Knows(string actor) => _actors.ContainsKey(actor);

    /// <summary>The most active actors with their deployment counts.</summary>
    public IEnumerable<KeyValuePair<string, long>> Top(int count) =>
        _actors.OrderByDescending(a => a.Value).ThenBy(a => a.Key, StringComparer.Ordinal).Take(count);

    public void Learn(string? actor, bool bot)
    {
        Deployments++;
        if (bot) BotDeployments++;
        if (actor is null) return;
        if (_actors.TryGetValue(actor, out var count))
        {
            _actors[actor] = count + 1;
            return;
        }

        if (_actors.Count >= Capacity) _actors.Remove(_actors.MinBy(a => a.Value).Key);
        _actors[actor] = 1;
    }

    /// <summary>The review state (requested, approved, rejected) of a run, null when none was seen.</summary>
    public string? Review(string runId) => _reviews.GetValueOrDefault(runId);

    /// <summary>Records a review of a run; an approval or rejection is never overwritten by a later request.</summary>
    public void SetReview(string runId, string state)
    {
        if (_reviews.TryGetValue(runId, out var current))
        {
            if (current != "requested" && state == "requested") return;
            _reviews[runId] = state;
            return;
        }

        _reviews[runId] = state;
        _reviewOrder.Enqueue(runId);
        if (_reviewOrder.Count > ReviewCapacity) _reviews.Remove(_reviewOrder.Dequeue());
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Deployments);
        writer.Write(BotDeployments);
        _ids.Write(writer);
        CappedCounts.Write(writer, _actors);

        writer.Write(_reviewOrder.Count);
        foreach (var run in _reviewOrder)
        {
            writer.Write(run);
            writer.Write(_reviews[run]);
        }
    }

    public static DeployActors Read(BinaryReader reader)
    {
        var state = new DeployActors { Deployments = reader.ReadInt64(), BotDeployments = reader.ReadInt64(), _ids = RecentIds.Read(reader) };
        CappedCounts.Read(reader, state._actors);
        var reviews = reader.ReadInt32();
        for (var i = 0; i < reviews; i++) state.SetReview(reader.ReadString(), reader.ReadString());
        return state;
    }
}
