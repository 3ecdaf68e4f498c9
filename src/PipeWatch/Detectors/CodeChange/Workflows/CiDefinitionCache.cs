namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>
/// Parsed CI definitions by blob id, path and platform, so that a definition a commit changes is parsed once: the "before" of one
/// commit is the "after" of the commit that changed it last.
/// </summary>
/// <remarks>
/// Thread-safe: the scan's preparation workers parse ahead of the detectors' thread. Two threads that ask for the same
/// definition at once may both parse it (the same result; the first one held is kept). Holds the <see cref="Capacity"/> most
/// recently used.
/// </remarks>
internal sealed class CiDefinitionCache
{
    public const int Capacity = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CiDefinition? Definition)>> _parsed = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CiDefinition? Definition)> _recency = new();

    /// <summary>As <see cref="CiDefinitionParser.Parse"/> of <paramref name="text"/>, the content of blob <paramref name="blobId"/>.</summary>
    public CiDefinition? Parse(string path, string blobId, string text, CiPlatform platform)
    {
        var key = $"{platform}|{blobId}|{path}";
        lock (_gate)
        {
            if (Touch(key) is { } held) return held.Definition;
        }

        var definition = CiDefinitionParser.Parse(path, text, platform, out _);
        lock (_gate)
        {
            if (Touch(key) is { } held) return held.Definition;
            _parsed[key] = _recency.AddFirst((key, definition));
            if (_parsed.Count > Capacity && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _parsed.Remove(oldest.Value.Key);
            }
        }

        return definition;
    }

    // The held entry, made the most recently used; under the gate.
    private (string Key, CiDefinition? Definition)? Touch(string key)
    {
        if (!_parsed.TryGetValue(key, out var node)) return null;
        _recency.Remove(node);
        _recency.AddFirst(node);
        return node.Value;
    }
}
