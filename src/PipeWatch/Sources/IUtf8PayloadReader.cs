using PipeWatch.Events;

namespace PipeWatch.Sources;

/// <summary>The fast path of one payload format: maps a document to its event straight from the UTF-8 bytes, without building a <c>JsonDocument</c>.</summary>
/// <remarks>
/// Stateless and thread-safe; never throws. An answer of <see cref="Utf8ReadResult.Read"/> carries exactly the event the format
/// named by <see cref="FormatId"/> would produce; anything else (another format, malformed JSON, a payload the format rejects)
/// is left to the format's <see cref="IPayloadFormat"/> path, which reports the problem. A source uses a reader only where its
/// format is the first one tried, so that no other format could have claimed the document.
/// </remarks>
public interface IUtf8PayloadReader
{
    /// <summary>The <see cref="IPayloadFormat.Id"/> of the format whose events this reader reproduces.</summary>
    string FormatId { get; }

    /// <summary>Reads one whole document; <paramref name="e"/> is set only when the result is <see cref="Utf8ReadResult.Read"/>.</summary>
    Utf8ReadResult TryRead(ReadOnlySpan<byte> json, Origin origin, out Event? e);
}

/// <summary>What an <see cref="IUtf8PayloadReader"/> made of a document.</summary>
public enum Utf8ReadResult
{
    /// <summary>The document was read into an event.</summary>
    Read,

    /// <summary>Valid JSON, but not this format: try the others.</summary>
    NotThisFormat,

    /// <summary>Malformed, unexpected, or rejected by the format: the document path reports why.</summary>
    Invalid,
}
