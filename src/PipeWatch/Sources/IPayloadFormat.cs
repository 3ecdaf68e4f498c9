using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources;

/// <summary>One JSON payload format (a GitHub webhook, a GitLab hook, a Jenkins API document): recognizes it and maps it to events.</summary>
/// <remarks>Stateless and thread-safe. A payload it recognizes but cannot use is rejected through <see cref="PayloadContext.Reject"/>, never by throwing.</remarks>
public interface IPayloadFormat
{
    /// <summary>The id users pass to <c>--source</c>, kebab-case, e.g. <c>github-workflow-job</c>.</summary>
    string Id { get; }

    /// <summary>True when the document is of this format (cheap: looks at a few top-level properties).</summary>
    bool Recognizes(JsonElement root);

    /// <summary>Maps the document to zero or more events.</summary>
    void Read(JsonElement root, PayloadContext context);
}

/// <summary>Where a payload came from and where its events and problems go.</summary>
public sealed class PayloadContext
{
    private readonly List<Event> _events;

    internal PayloadContext(Origin origin, List<Event> events)
    {
        Origin = origin;
        _events = events;
    }

    public Origin Origin { get; }

    /// <summary>Why the payload was rejected, when it was.</summary>
    public string? Rejection { get; private set; }

    public void Emit(Event e) => _events.Add(e);

    /// <summary>Marks the payload unusable, with a reason a person can act on.</summary>
    public void Reject(string reason) => Rejection ??= reason;
}
