using PipeWatch.Events;

namespace PipeWatch.Sources;

/// <summary>The fast path of one payload format: maps a document to its event straight from the UTF-8 bytes, without building a <c>JsonDocument</c>.</summary>
/// <remarks>
/// Stateless and thread-safe; never throws. An answer of <see cref="Utf8ReadResult.Read"/> carries exactly the event the format
/// named by <see cref="FormatId"/> would produce; anything else (another format, malformed JSON, a payload the format rejects)
/// is left to the format's <see cref="IPayloadFormat"/> path, which reports the problem. A source uses the readers of the formats
/// it tries first, in order, and a reader only after those before it answered <see cref="Utf8ReadResult.NotThisFormat"/>, so that
/// no other format could have claimed the document: <see cref="Utf8ReadResult.NotThisFormat"/> must mean that the format's
/// <see cref="IPayloadFormat.Recognizes"/> is false for the document.
/// </remarks>
public interface IUtf8PayloadReader
{
    /// <summary>The <see cref="IPayloadFormat.Id"/> of the format whose events this reader reproduces.</summary>
    string FormatId { get; }

    /// <summary>
    /// A cheap look at the bytes: true only when they show that the format would not recognize the document, well-formed or not
    /// (say, the one property it needs is nowhere in them). A source then takes the answer as <see cref="Utf8ReadResult.NotThisFormat"/>
    /// without calling <see cref="TryRead"/>; a later reader or the document path finds any fault.
    /// </summary>
    bool Excludes(ReadOnlySpan<byte> json) => false;

    /// <summary>Reads one whole document; <paramref name="e"/> is set only when the result is <see cref="Utf8ReadResult.Read"/>.</summary>
    Utf8ReadResult TryRead(ReadOnlySpan<byte> json, Origin origin, out Event? e);
}

/// <summary>What an <see cref="IUtf8PayloadReader"/> made of a document.</summary>
public enum Utf8ReadResult
{
    /// <summary>The document was read into an event.</summary>
    Read,

    /// <summary>Valid JSON, but not this format (its <see cref="IPayloadFormat.Recognizes"/> would be false): try the others.</summary>
    NotThisFormat,

    /// <summary>Malformed, rejected by the format, or a shape the reader leaves to its format: the document path reads it (or reports why), and no later reader is tried.</summary>
    Invalid,
}

/// <summary>One pass of an <see cref="IUtf8PayloadReader"/> over a document, which may throw on malformed input.</summary>
internal delegate Utf8ReadResult Utf8Read(ReadOnlySpan<byte> json, Origin origin, out Event? e);

/// <summary>What every fast reader shares: the boundary that turns a JSON fault into <see cref="Utf8ReadResult.Invalid"/>.</summary>
internal static class Utf8Readers
{
    /// <summary>Runs <paramref name="read"/>; malformed JSON, a token of the wrong type or bytes that are not UTF-8 is <see cref="Utf8ReadResult.Invalid"/>, never an exception.</summary>
    public static Utf8ReadResult Guarded(Utf8Read read, ReadOnlySpan<byte> json, Origin origin, out Event? e)
    {
        try
        {
            return read(json, origin, out e);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or System.Text.DecoderFallbackException)
        {
            e = null;
            return Utf8ReadResult.Invalid;
        }
    }
}
