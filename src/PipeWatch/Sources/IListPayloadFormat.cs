using System.Text.Json;

namespace PipeWatch.Sources;

/// <summary>A payload format whose document wraps a list under one property (<c>{"total_count": 2, "jobs": [...]}</c>): a document too large to read whole is read element by element.</summary>
/// <remarks>Stateless and thread-safe, as <see cref="IPayloadFormat"/>.</remarks>
internal interface IListPayloadFormat : IPayloadFormat
{
    /// <summary>The property that holds the list.</summary>
    string ListProperty { get; }

    /// <summary>Maps one element of the list (at <paramref name="index"/>, 0-based) to events; an unusable element is rejected through the context.</summary>
    void ReadElement(JsonElement element, int index, PayloadContext context);
}
