using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Yaml;

/// <summary>A YAML event stream that stops with a <see cref="YamlException"/> at the line where nesting passes a limit.</summary>
/// <remarks>
/// YamlDotNet's parser reads nesting with a stack of its own, but building the node tree (<c>YamlStream</c>) recurses
/// once per level: 100,000 <c>[</c> in a committed workflow overflowed the stack and killed the process (exit 134), so one
/// commit could break every gate. Counting the levels as the events pass stops the document before the tree is built that
/// deep; callers already turn a <see cref="YamlException"/> into a problem naming the file and line.
/// </remarks>
internal sealed class DepthLimitedParser : IParser
{
    /// <summary>Far deeper than any real workflow, config or rule (they nest a dozen levels), far shallower than the stack allows.</summary>
    public const int DefaultMaxDepth = 256;

    private readonly IParser _inner;
    private readonly int _maxDepth;
    private int _depth;

    public DepthLimitedParser(IParser inner, int maxDepth = DefaultMaxDepth)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _maxDepth = maxDepth;
    }

    public ParsingEvent? Current => _inner.Current;

    public bool MoveNext()
    {
        if (!_inner.MoveNext()) return false;
        switch (_inner.Current)
        {
            case MappingStart or SequenceStart when ++_depth > _maxDepth:
                throw new YamlException(_inner.Current.Start, _inner.Current.End, $"nested deeper than {_maxDepth} levels");
            case MappingEnd or SequenceEnd:
                _depth--;
                break;
        }

        return true;
    }

    /// <summary>Loads <paramref name="parser"/>'s documents into <paramref name="stream"/>, nesting bounded, every failure on malformed text a <see cref="YamlException"/>.</summary>
    /// <remarks>
    /// On some malformed text YamlDotNet throws other exceptions than its own: its scanner an <see cref="InvalidOperationException"/>
    /// (a plain scalar after a run of <c>{</c>, found by the fuzz harness in a workflow), its node builder an
    /// <see cref="ArgumentException"/> (an event it does not expect). Callers catch <see cref="YamlException"/> and report the
    /// file and line; uncaught, these ended the whole run.
    /// </remarks>
    public static void Load(YamlStream stream, IParser parser)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var limited = parser as DepthLimitedParser ?? new DepthLimitedParser(parser);
        try
        {
            stream.Load(limited);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            var at = limited.Current?.Start ?? Mark.Empty;
            throw new YamlException(at, at, $"malformed YAML ({ex.Message})", ex);
        }
    }
}
