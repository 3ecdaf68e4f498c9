namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>
/// Parsed CI definitions by blob id, path and platform, so that a definition a commit changes is parsed once: the "before" of one
/// commit is the "after" of the commit that changed it last.
/// </summary>
/// <remarks>
/// Thread-safe: the scan's preparation workers parse ahead of the detectors' thread. Two threads that ask for the same
/// definition at once may both parse it (the same result; the first one held is kept). Holds the <see cref="Capacity"/> most
/// recently used. A version whose change from the previous one only moved steps' <c>uses:</c> references is derived from the
/// previous model (<see cref="ValueChange"/>) instead of parsed: a dependency bot's pin bumps cost the size of the change. What
/// the derivation replaced is kept with it (<see cref="EditFrom"/>), so that the checks run only where the change reaches.
/// </remarks>
internal sealed class CiDefinitionCache
{
    public const int Capacity = 64;

    private readonly Lock _gate = new();
    // Nodes of a reference type, not (key, definition) tuples: see CachedBlobReader.
    private readonly Dictionary<string, LinkedListNode<Parsed>> _parsed = new(StringComparer.Ordinal);
    private readonly LinkedList<Parsed> _recency = new();

    // For each GitHub Actions definition this cache made: what ValueChange needs to derive the next version from it (its steps
    // whose label is the action they use, and how many values each line holds). Held as long as the definition is.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CiDefinition, Basis> _bases = [];

    // For each definition this cache derived: the version it was derived from (weakly: a chain of versions must not keep each
    // other alive) and what the derivation replaced.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CiDefinition, Derivation> _derivations = [];

    /// <summary>As <see cref="CiDefinitionParser.Parse(string, string, CiPlatform, out string?, bool)"/> of <paramref name="text"/>, the content of blob <paramref name="blobId"/>.</summary>
    /// <param name="previous">The previous version of the same file (from this cache), when known: the new one may be derived from it.</param>
    public CiDefinition? Parse(string path, string blobId, string text, CiPlatform platform, CiDefinition? previous = null)
    {
        var key = $"{platform}|{blobId}|{path}";
        lock (_gate)
        {
            if (Touch(key) is { } held) return held.Definition;
        }

        var definition = Derive(path, text, platform, previous);
        lock (_gate)
        {
            if (Touch(key) is { } held) return held.Definition;
            _parsed[key] = _recency.AddFirst(new Parsed(key, definition));
            if (_parsed.Count > Capacity && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _parsed.Remove(oldest.Value.Key);
            }
        }

        return definition;
    }

    // The model of the text: derived from the previous version's when the change allows it, else parsed.
    private CiDefinition? Derive(string path, string text, CiPlatform platform, CiDefinition? previous)
    {
        var labelled = new HashSet<CiStep>(ReferenceEqualityComparer.Instance);
        ValueEdit? edit = null;
        var basis = previous is not null && previous.Path == path && previous.Platform == platform && _bases.TryGetValue(previous, out var before) ? before : null;
        var definition = basis is not null ? ValueChange.Apply(previous!, basis.LabelledByUses, basis.ValueLines, text, labelled, out edit) : null;
        if (definition is not null)
        {
            _derivations.AddOrUpdate(definition, new Derivation(new WeakReference<CiDefinition>(previous!), edit!));
            _bases.AddOrUpdate(definition, new Basis(labelled, basis!.ValueLines));
            return definition;
        }

        labelled.Clear();
        definition = CiDefinitionParser.Parse(path, text, platform, out _, alwaysMerge: false, labelled);
        // Only a GitHub Actions model is derived from (ValueChange reads no other platform).
        if (definition is { Platform: CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction }) _bases.AddOrUpdate(definition, new Basis(labelled, ValueLines.Of(definition)));
        return definition;
    }

    /// <summary>What <see cref="ValueChange"/> replaced to derive <paramref name="after"/> from <paramref name="before"/>; null when this cache did not derive it from that very model (it parsed it, or derived it from another).</summary>
    public ValueEdit? EditFrom(CiDefinition before, CiDefinition after) =>
        _derivations.TryGetValue(after, out var derivation) && derivation.From.TryGetTarget(out var from) && ReferenceEquals(from, before) ? derivation.Edit : null;

    // The held entry, made the most recently used; under the gate.
    private Parsed? Touch(string key)
    {
        if (!_parsed.TryGetValue(key, out var node)) return null;
        _recency.Remove(node);
        _recency.AddFirst(node);
        return node.Value;
    }

    private sealed record Parsed(string Key, CiDefinition? Definition);

    private sealed record Derivation(WeakReference<CiDefinition> From, ValueEdit Edit);

    private sealed record Basis(HashSet<CiStep> LabelledByUses, ValueLines ValueLines);
}
