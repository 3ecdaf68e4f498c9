using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Deployment;

/// <summary>The environments and targets one repository (or pipeline, or platform) has deployed to, and how many deployments it made.</summary>
internal sealed class DeployTargets : IBaseline<DeployTargets>
{
    /// <summary>Targets kept; past it the least used is forgotten.</summary>
    public const int Capacity = 512;

    private readonly Dictionary<string, long> _targets = new(StringComparer.Ordinal);
    private RecentIds _ids = new();

    /// <summary>Repository: keyed by deployment scope (the repository, else the pipeline).</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>Distinct deployments seen.</summary>
    public long Deployments { get; private set; }

    /// <summary>Distinct environment/target pairs seen.</summary>
    public int Count => _targets.Count;

    public static DeployTargets Create() => new();

    /// <summary>Counts the deployment if its id is new; true when it was.</summary>
    public bool CountDeployment(string id)
    {
        if (!_ids.Add(id)) return false;
        Deployments++;
        return true;
    }

    public bool Knows(string target) => _targets.ContainsKey(target);

    /// <summary>The most used targets, most used first.</summary>
    public IEnumerable<string> Top(int count) => _targets.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Take(count).Select(t => t.Key);

    public void Learn(string target) => CappedCounts.Increment(_targets, target, Capacity);

    public void Write(BinaryWriter writer)
    {
        writer.Write(Deployments);
        _ids.Write(writer);
        CappedCounts.Write(writer, _targets);
    }

    public static DeployTargets Read(BinaryReader reader)
    {
        var state = new DeployTargets { Deployments = reader.ReadInt64(), _ids = RecentIds.Read(reader) };
        CappedCounts.Read(reader, state._targets);
        return state;
    }
}
