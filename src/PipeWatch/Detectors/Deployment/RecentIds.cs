namespace PipeWatch.Detectors.Deployment;

/// <summary>The last N deployment ids of a key, so the status events of one deployment count as one deployment.</summary>
internal sealed class RecentIds
{
    /// <summary>Ids kept: far more than the status events a deployment has, few enough to stay small.</summary>
    public const int Capacity = 256;

    private readonly Queue<string> _order = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    /// <summary>Adds an id; true when it was not seen before.</summary>
    public bool Add(string id)
    {
        if (!_ids.Add(id)) return false;
        _order.Enqueue(id);
        if (_order.Count > Capacity) _ids.Remove(_order.Dequeue());
        return true;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_order.Count);
        foreach (var id in _order) writer.Write(id);
    }

    public static RecentIds Read(BinaryReader reader)
    {
        var ids = new RecentIds();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++) ids.Add(reader.ReadString());
        return ids;
    }
}
