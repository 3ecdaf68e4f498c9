using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.Files;

/// <summary>Reads one file of JSON payloads (one document, an array of documents, or JSON Lines) and maps each through its <see cref="IPayloadFormat"/>.</summary>
/// <remarks>
/// JSON Lines are streamed line by line through a pooled buffer; a single document is read whole (webhook payloads are small).
/// Each line or document is first offered to the fast readers (<see cref="IUtf8PayloadReader"/>), straight from its bytes;
/// what they do not read goes through <c>JsonDocument</c> and the formats.
/// Empty, binary, truncated and unrecognized inputs are reported with the file (and line) and skipped.
/// </remarks>
public sealed class JsonFileSource : ISource
{
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Events handed over at most per block. Events wait in the engine's channel while detection is behind; the fewer wait,
    /// the fewer are alive (and copied) at each garbage collection. Measured on the audit suite: blocks of a whole 1 MiB read
    /// (~2,000 events) paused the program 0.7-0.9 s in collections, blocks of 128 about 0.35 s; 64 gained nothing more.
    /// </summary>
    private const int BlockEvents = 128;
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    private readonly string _path;
    private readonly IReadOnlyList<IPayloadFormat> _formats;
    private readonly IPayloadFormat? _forced;
    private readonly IUtf8PayloadReader[] _readers;
    private readonly (Func<Stream> Open, FileShape.Kind Shape)? _stream;

    /// <param name="path">The file to read.</param>
    /// <param name="formats">The formats to recognize, in order.</param>
    /// <param name="forced">When set, every document is read as this format.</param>
    /// <param name="readers">The fast readers, <see cref="PayloadFormats.FastReaders"/> when null.</param>
    public JsonFileSource(string path, IReadOnlyList<IPayloadFormat> formats, IPayloadFormat? forced = null, IReadOnlyList<IUtf8PayloadReader>? readers = null)
    {
        _path = path;
        _formats = formats;
        _forced = forced;
        _readers = forced is null ? Prefix(formats, readers ?? PayloadFormats.FastReaders) : [];
    }

    /// <summary>A source over a stream that cannot seek (a pipe), whose shape was told from its first bytes.</summary>
    internal JsonFileSource(string name, Func<Stream> open, FileShape.Kind shape)
        : this(name, PayloadFormats.All)
    {
        _stream = (open, shape);
    }

    public string Path => _path;

    public IAsyncEnumerable<Event> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        SourceBlocks.Flatten(ReadBlocksAsync(context, cancellationToken), cancellationToken);

    /// <summary>The events in blocks of at most 128 (JSON Lines, read 1 MiB at a time), or the whole document's as one block.</summary>
    public async IAsyncEnumerable<Event[]> ReadBlocksAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_stream is { } piped)
        {
            await foreach (var block in ReadStreamAsync(piped.Open, piped.Shape, context, cancellationToken)) yield return block;
            yield break;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Problems.Report(new Problem(_path, $"cannot open: {ex.Message}"));
            yield break;
        }

        await using (stream)
        {
            var shape = await SniffAsync(stream, cancellationToken);
            switch (shape)
            {
                case FileShape.Kind.Empty:
                    context.Problems.Report(new Problem(_path, "file is empty"));
                    context.BytesRead?.Invoke(stream.Length);
                    yield break;
                case FileShape.Kind.Binary:
                    context.Problems.Report(new Problem(_path, "binary file, not JSON (contains NUL bytes)"));
                    context.BytesRead?.Invoke(stream.Length);
                    yield break;
                case FileShape.Kind.NotJson:
                    context.Problems.Report(new Problem(_path, "not JSON: the first character is neither '{' nor '['"));
                    context.BytesRead?.Invoke(stream.Length);
                    yield break;
            }

            var events = new List<Event>();
            if (shape == FileShape.Kind.JsonLines)
            {
                await foreach (var block in ReadLinesAsync(stream, events, context, cancellationToken))
                {
                    yield return block;
                }
            }
            else
            {
                var bytes = new byte[stream.Length];
                await stream.ReadExactlyAsync(bytes, cancellationToken);
                context.BytesRead?.Invoke(bytes.Length);
                ReadDocument(bytes, null, events, context);
                if (events.Count > 0) yield return [.. events];
            }
        }
    }

    // A stream read once, front to back: JSON Lines streamed as from a file, one document read whole.
    private async IAsyncEnumerable<Event[]> ReadStreamAsync(
        Func<Stream> open, FileShape.Kind shape, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = open();
        var events = new List<Event>();
        if (shape == FileShape.Kind.JsonLines)
        {
            await foreach (var block in ReadLinesAsync(stream, events, context, cancellationToken)) yield return block;
            yield break;
        }

        using var whole = new MemoryStream();
        await stream.CopyToAsync(whole, cancellationToken);
        context.BytesRead?.Invoke(whole.Length);
        ReadDocument(whole.GetBuffer().AsMemory(0, (int)whole.Length), null, events, context);
        if (events.Count > 0) yield return [.. events];
    }

    /// <summary>Reads as much of the start of the file as it takes to see its first line whole, and tells its shape.</summary>
    private static async Task<FileShape.Kind> SniffAsync(FileStream stream, CancellationToken cancellationToken)
    {
        for (var size = 64 * 1024L; ; size *= 4)
        {
            var head = new byte[Math.Min(stream.Length, size)];
            stream.Position = 0;
            var length = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            var complete = length >= stream.Length;
            var shape = FileShape.Sniff(head.AsSpan(0, length), complete);
            if (shape != FileShape.Kind.NeedMore || complete)
            {
                stream.Position = 0;
                return shape == FileShape.Kind.NeedMore ? FileShape.Kind.Document : shape;
            }
        }
    }

    /// <summary>The events of the lines read, in blocks of at most <see cref="BlockEvents"/>.</summary>
    private async IAsyncEnumerable<Event[]> ReadLinesAsync(
        Stream stream, List<Event> events, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var filled = 0;
            var lineNumber = 0;
            var endOfFile = false;
            while (!endOfFile)
            {
                if (filled == buffer.Length)
                {
                    // A line longer than the buffer: grow it.
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                context.BytesRead?.Invoke(read);
                endOfFile = read == 0;
                filled += read;
                var consumed = 0;
                while (true)
                {
                    var newline = buffer.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n');
                    int lineEnd;
                    if (newline >= 0)
                    {
                        lineEnd = consumed + newline;
                    }
                    else if (endOfFile && consumed < filled)
                    {
                        lineEnd = filled;
                    }
                    else
                    {
                        break;
                    }

                    lineNumber++;
                    var line = buffer.AsMemory(consumed, lineEnd - consumed);
                    consumed = Math.Min(lineEnd + 1, filled);
                    if (!IsBlank(line.Span))
                    {
                        ReadDocument(line, lineNumber, events, context);
                    }

                    if (events.Count >= BlockEvents)
                    {
                        yield return [.. events];
                        events.Clear();
                    }
                }

                if (events.Count > 0)
                {
                    yield return [.. events];
                    events.Clear();
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadDocument(ReadOnlyMemory<byte> json, int? line, List<Event> events, SourceContext context)
    {
        if (json.Span.StartsWith(FileShape.ByteOrderMark)) json = json[FileShape.ByteOrderMark.Length..];
        if (!Utf8.IsValid(json.Span))
        {
            // The JSON readers throw on a string that is not UTF-8; that would end the file here, so the line is the problem.
            var at = FirstInvalidByte(json.Span);
            var lineOfByte = line ?? 1 + json.Span[..at].Count((byte)'\n');
            context.Problems.Report(new Problem(_path, $"not valid UTF-8 (byte 0x{json.Span[at]:x2} at offset {at}{(line is null ? "" : " of the line")})", lineOfByte));
            return;
        }

        if (TryReadFast(json.Span, line, events)) return;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var at = line ?? (int?)(ex.LineNumber + 1);
            context.Problems.Report(new Problem(_path, $"invalid JSON: {Describe(ex, json.Span)}", at));
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && line is null)
            {
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    index++;
                    ReadPayload(item, new Origin(_path, null), $"element {index}: ", events, context);
                }
            }
            else
            {
                ReadPayload(root, new Origin(_path, line), string.Empty, events, context);
            }
        }
    }

    /// <summary>
    /// The readers that may stand in for their formats: those of the formats at the head of the list, in list order, up to the first
    /// format without one. The reader of the n-th format runs only after the readers of the n − 1 before it each answered
    /// <see cref="Utf8ReadResult.NotThisFormat"/> or excluded the document (which a reader does only when its format does not
    /// recognize it), so
    /// when it reads a document, the document path would have picked its format too.
    /// </summary>
    private static IUtf8PayloadReader[] Prefix(IReadOnlyList<IPayloadFormat> formats, IReadOnlyList<IUtf8PayloadReader> readers)
    {
        var prefix = new List<IUtf8PayloadReader>();
        foreach (var format in formats)
        {
            var reader = readers.FirstOrDefault(r => string.Equals(r.FormatId, format.Id, StringComparison.OrdinalIgnoreCase));
            if (reader is null) break;
            prefix.Add(reader);
        }

        return [.. prefix];
    }

    /// <summary>Offers the document to the fast readers in turn; false when none read it, and the document path must.</summary>
    private bool TryReadFast(ReadOnlySpan<byte> json, int? line, List<Event> events)
    {
        foreach (var reader in _readers)
        {
            if (reader.Excludes(json)) continue;
            switch (reader.TryRead(json, new Origin(_path, line), out var e))
            {
                case Utf8ReadResult.Read:
                    events.Add(e!);
                    return true;
                case Utf8ReadResult.Invalid:
                    // Malformed, rejected, or a shape the reader leaves to its format: no later reader may claim it.
                    return false;
            }
        }

        return false;
    }

    private void ReadPayload(JsonElement root, Origin origin, string prefix, List<Event> events, SourceContext context)
    {
        if (_forced is not null && root.ValueKind != JsonValueKind.Object)
        {
            context.Problems.Report(new Problem(_path, $"{prefix}{_forced.Id}: the document is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object", origin.Line));
            return;
        }

        var format = _forced ?? (root.ValueKind == JsonValueKind.Object ? _formats.FirstOrDefault(f => f.Recognizes(root)) : null);
        if (format is null)
        {
            context.Problems.Report(new Problem(_path, prefix + PayloadSniffer.DescribeUnsupported(root), origin.Line));
            return;
        }

        var payload = new PayloadContext(origin, events);
        var before = events.Count;
        format.Read(root, payload);
        if (payload.Rejection is { } reason)
        {
            events.RemoveRange(before, events.Count - before);
            context.Problems.Report(new Problem(_path, $"{prefix}{format.Id}: {reason}", origin.Line));
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        for (var at = 0; at < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out var length) != OperationStatus.Done) return at;
            at += length;
        }

        return 0;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    private static string Describe(JsonException ex, ReadOnlySpan<byte> json)
    {
        // System.Text.Json messages end with "LineNumber: n | BytePositionInLine: m."; the line is reported separately.
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut].TrimEnd() : message;
        return EndsAtEndOfData(ex, json) || text.Contains("reached end of data", StringComparison.Ordinal) ? $"truncated ({text})" : text;
    }

    /// <summary>True when the parser failed at the very end of the input: the document was cut short.</summary>
    private static bool EndsAtEndOfData(JsonException ex, ReadOnlySpan<byte> json)
    {
        if (ex.LineNumber is not { } line || ex.BytePositionInLine is not { } column) return false;
        var offset = 0L;
        for (var i = 0L; i < line; i++)
        {
            var newline = json[(int)offset..].IndexOf((byte)'\n');
            if (newline < 0) return false;
            offset += newline + 1;
        }

        return offset + column >= json.TrimEnd(" \t\r\n"u8).Length;
    }
}
