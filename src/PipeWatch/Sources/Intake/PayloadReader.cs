using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.Intake;

/// <summary>Turns the bytes of a payload (one JSON document, an array of documents, or JSON Lines) into events and problems, whatever brought them: a file, a webhook, an agent.</summary>
/// <remarks>
/// The one path from bytes to events: <see cref="Files.JsonFileSource"/> reads files through it. JSON Lines are streamed line by
/// line through a pooled buffer; an array is streamed element by element (<see cref="JsonElementStream"/>), as is the list of an
/// <see cref="IListPayloadFormat"/> too large to read whole; any other document is read whole up to <see cref="MaxLineBytes"/>. Each line or document is first offered to the fast readers
/// (<see cref="IUtf8PayloadReader"/>), straight from its bytes; what they do not read goes through <c>JsonDocument</c> and the
/// formats. Empty, binary, truncated, unrecognized and oversized inputs are reported with the origin (and line) and skipped;
/// nothing in the input makes it throw. Event ids come from the payload only, never from the origin. Stateless and thread-safe.
/// </remarks>
internal sealed class PayloadReader
{
    /// <summary>The largest body <see cref="ReadAsync(Stream, PayloadOrigin, PayloadHint?, CancellationToken, long)"/> reads from a stream that cannot seek (GitHub sends at most 25 MB).</summary>
    public const long DefaultMaxBytes = 32L << 20;

    private const int ChunkSize = 1 << 20;

    /// <summary>The longest line of JSON Lines read (32 MiB, as a webhook body): a longer one is a problem and skipped, never buffered whole.</summary>
    public const int MaxLineBytes = (int)DefaultMaxBytes;

    /// <summary>
    /// Events handed over at most per block. Events wait in the engine's channel while detection is behind; the fewer wait,
    /// the fewer are alive (and copied) at each garbage collection. Measured on the audit suite: blocks of a whole 1 MiB read
    /// (~2,000 events) paused the program 0.7-0.9 s in collections, blocks of 128 about 0.35 s; 64 gained nothing more.
    /// </summary>
    private const int BlockEvents = 128;
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    private readonly IReadOnlyList<IPayloadFormat> _formats;
    private readonly IPayloadFormat? _forced;
    private readonly IReadOnlyList<IUtf8PayloadReader> _allReaders;
    private readonly IUtf8PayloadReader[] _readers;

    /// <param name="formats">The formats to recognize, in order; <see cref="PayloadFormats.All"/> when null.</param>
    /// <param name="forced">When set, every document is read as this format (hints are then ignored).</param>
    /// <param name="readers">The fast readers, <see cref="PayloadFormats.FastReaders"/> when null.</param>
    public PayloadReader(IReadOnlyList<IPayloadFormat>? formats = null, IPayloadFormat? forced = null, IReadOnlyList<IUtf8PayloadReader>? readers = null)
    {
        _formats = formats ?? PayloadFormats.All;
        _forced = forced;
        _allReaders = forced is null ? readers ?? PayloadFormats.FastReaders : [];
        _readers = Prefix(_formats, _allReaders);
    }

    /// <summary>A reader of every built-in format.</summary>
    public static PayloadReader Default { get; } = new();

    /// <summary>Reads a whole payload held in memory, e.g. a webhook body.</summary>
    /// <param name="body">The payload's bytes.</param>
    /// <param name="origin">Where it came from: names the events' origin and the problems.</param>
    /// <param name="hint">What the sender said it is, when it said (see <see cref="PayloadHint"/>).</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public async Task<PayloadResult> ReadAsync(ReadOnlyMemory<byte> body, PayloadOrigin origin, PayloadHint? hint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var array = MemoryMarshal.TryGetArray(body, out var segment) ? segment : new ArraySegment<byte>(body.ToArray());
        using var stream = new MemoryStream(array.Array!, array.Offset, array.Count, writable: false);
        return await CollectAsync(stream, origin, hint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a whole payload from a stream; a stream that cannot seek is read into memory first, up to <paramref name="maxBytes"/>.</summary>
    /// <param name="body">The payload; not disposed.</param>
    /// <param name="origin">Where it came from: names the events' origin and the problems.</param>
    /// <param name="hint">What the sender said it is, when it said (see <see cref="PayloadHint"/>).</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <param name="maxBytes">A larger body is a problem, and none of it is read.</param>
    public async Task<PayloadResult> ReadAsync(Stream body, PayloadOrigin origin, PayloadHint? hint = null, CancellationToken cancellationToken = default, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(origin);
        if (body.CanSeek) return await CollectAsync(body, origin, hint, cancellationToken).ConfigureAwait(false);

        using var copy = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > maxBytes)
                {
                    return new PayloadResult([], [new Problem(origin.Name, $"larger than {maxBytes} bytes; skipped")], 1);
                }

                copy.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        copy.Position = 0;
        return await CollectAsync(copy, origin, hint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The events of a payload in a seekable stream, in blocks of at most 128 (JSON Lines and arrays, read 1 MiB at a time), or a whole object's as one block.</summary>
    /// <param name="stream">The payload, from its start; must support seeking and <see cref="Stream.Length"/>. Not disposed.</param>
    /// <param name="origin">Where it came from: names the events' origin and the problems.</param>
    /// <param name="hint">What the sender said it is, when it said.</param>
    /// <param name="context">Receives the problems and the bytes read.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <param name="maxObjectBytes">The largest object (not an array) read whole: a larger one is read only as a list (see <see cref="IListPayloadFormat"/>). Unbounded for a body already in memory.</param>
    public async IAsyncEnumerable<Event[]> ReadBlocksAsync(
        Stream stream, PayloadOrigin origin, PayloadHint? hint, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken, int maxObjectBytes = MaxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(context);
        var read = new Reading(origin.Name, HintedFormats(hint), hint);
        var shape = await SniffAsync(stream, cancellationToken).ConfigureAwait(false);
        var what = origin.DeliveryId is null ? "file" : "body";
        switch (shape)
        {
            case FileShape.Kind.Empty:
                context.Problems.Report(new Problem(origin.Name, $"{what} is empty"));
                context.BytesRead?.Invoke(stream.Length);
                yield break;
            case FileShape.Kind.Binary:
                context.Problems.Report(new Problem(origin.Name, $"binary {what}, not JSON (contains NUL bytes)"));
                context.BytesRead?.Invoke(stream.Length);
                yield break;
            case FileShape.Kind.NotJson:
                context.Problems.Report(new Problem(origin.Name, "not JSON: the first character is neither '{' nor '['"));
                context.BytesRead?.Invoke(stream.Length);
                yield break;
        }

        var events = new List<Event>();
        if (shape == FileShape.Kind.JsonLines)
        {
            await foreach (var block in ReadLinesAsync(stream, read, events, context, cancellationToken).ConfigureAwait(false))
            {
                yield return block;
            }
        }
        else
        {
            await foreach (var block in ReadDocumentAsync(stream, read, events, context, maxObjectBytes, cancellationToken).ConfigureAwait(false))
            {
                yield return block;
            }
        }
    }

    /// <summary>The events of a stream that cannot seek (a pipe) whose shape was told from its first bytes, read as <see cref="ReadBlocksAsync(Stream, PayloadOrigin, PayloadHint?, SourceContext, CancellationToken, int)"/> does.</summary>
    internal async IAsyncEnumerable<Event[]> ReadBlocksAsync(
        Stream stream, FileShape.Kind shape, PayloadOrigin origin, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var read = new Reading(origin.Name, null, null);
        var events = new List<Event>();
        if (shape == FileShape.Kind.JsonLines)
        {
            await foreach (var block in ReadLinesAsync(stream, read, events, context, cancellationToken).ConfigureAwait(false))
            {
                yield return block;
            }

            yield break;
        }

        await foreach (var block in ReadDocumentAsync(stream, read, events, context, MaxLineBytes, cancellationToken).ConfigureAwait(false))
        {
            yield return block;
        }
    }

    /// <summary>
    /// The events of one JSON document, with memory bounded whatever its size: an array is read element by element
    /// (<see cref="JsonElementStream"/>); an object up to <see cref="MaxLineBytes"/> is read whole; a larger one only when it is the
    /// wrapper of an <see cref="IListPayloadFormat"/>, element by element; any other is a problem.
    /// </summary>
    private async IAsyncEnumerable<Event[]> ReadDocumentAsync(
        Stream stream, Reading read, List<Event> events, SourceContext context, int maxObjectBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[]? head = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var filled = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            context.BytesRead?.Invoke(filled);
            var skip = head.AsSpan(0, filled).StartsWith(FileShape.ByteOrderMark) ? FileShape.ByteOrderMark.Length : 0;
            var first = head.AsSpan(skip, filled - skip).IndexOfAnyExcept(" \t\r\n"u8);
            if (first >= 0 && head[skip + first] == (byte)'[')
            {
                using var elements = new JsonElementStream(stream, MaxLineBytes, null, head, skip, filled, context.BytesRead);
                head = null;
                await foreach (var block in ReadElementsAsync(elements, null, read, events, context, cancellationToken).ConfigureAwait(false))
                {
                    yield return block;
                }

                yield break;
            }

            // An object: read whole when it ends within the bound.
            while (filled == head.Length && head.Length < maxObjectBytes)
            {
                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(head.Length * 2L, maxObjectBytes));
                head.AsSpan(0, filled).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(head);
                head = bigger;
                var count = await stream.ReadAtLeastAsync(head.AsMemory(filled), head.Length - filled, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                context.BytesRead?.Invoke(count);
                filled += count;
            }

            if (filled < head.Length)
            {
                ReadDocument(head.AsMemory(0, filled), null, read, events, context);
                if (events.Count > 0) yield return [.. events];
                yield break;
            }

            var wrapper = ListFormat(read);
            if (wrapper is null)
            {
                context.Problems.Report(new Problem(read.Name, $"a JSON object of {MaxLineBytes >> 20} MiB or more that is not a list PipeWatch reads element by element; skipped"));
                await DrainAsync(stream, context, cancellationToken).ConfigureAwait(false);
                yield break;
            }

            using var listed = new JsonElementStream(stream, MaxLineBytes, wrapper.ListProperty, head, skip, filled, context.BytesRead);
            head = null;
            await foreach (var block in ReadElementsAsync(listed, wrapper, read, events, context, cancellationToken).ConfigureAwait(false))
            {
                yield return block;
            }

            if (!listed.FoundArray && !listed.Stopped)
            {
                context.Problems.Report(new Problem(read.Name, $"a JSON object of {MaxLineBytes >> 20} MiB or more without the '{wrapper.ListProperty}' list of {wrapper.Id}; skipped"));
            }
        }
        finally
        {
            if (head is not null) ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>The events of the elements of an array (read as documents, or as elements of <paramref name="wrapper"/>), in blocks of at most <see cref="BlockEvents"/>.</summary>
    private async IAsyncEnumerable<Event[]> ReadElementsAsync(
        JsonElementStream elements, IListPayloadFormat? wrapper, Reading read, List<Event> events, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var item = await elements.NextAsync(cancellationToken).ConfigureAwait(false);
            var prefix = item.Index == 0 ? (wrapper is null ? string.Empty : $"{wrapper.Id}: ")
                : wrapper is null ? $"element {item.Index}: " : $"{wrapper.Id}: {wrapper.ListProperty}[{item.Index - 1}]: ";
            var index = item.Index - 1;
            switch (item.Kind)
            {
                case JsonElementKind.End:
                    if (events.Count > 0) yield return [.. events];
                    events.Clear();
                    yield break;
                case JsonElementKind.Element:
                    ReadElement(item.Bytes, index, prefix, wrapper, read, events, context);
                    break;
                default:
                    context.Problems.Report(new Problem(read.Name, prefix + item.Reason, item.Line is { } line ? (int)Math.Min(line, int.MaxValue) : null));
                    break;
            }

            if (events.Count >= BlockEvents)
            {
                yield return [.. events];
                events.Clear();
            }
        }
    }

    private void ReadElement(ReadOnlyMemory<byte> json, int index, string prefix, IListPayloadFormat? wrapper, Reading read, List<Event> events, SourceContext context)
    {
        if (!Utf8.IsValid(json.Span))
        {
            var at = FirstInvalidByte(json.Span);
            context.Problems.Report(new Problem(read.Name, $"{prefix}not valid UTF-8 (byte 0x{json.Span[at]:x2} at offset {at} of the element)"));
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            context.Problems.Report(new Problem(read.Name, $"{prefix}invalid JSON: {Describe(ex, json.Span)}"));
            return;
        }

        using (document)
        {
            var origin = new Origin(read.Name, null);
            if (wrapper is null)
            {
                ReadPayload(document.RootElement, origin, prefix, read, events, context);
                return;
            }

            var payload = new PayloadContext(origin, events);
            var before = events.Count;
            wrapper.ReadElement(document.RootElement, index, payload);
            if (payload.Rejection is { } reason)
            {
                events.RemoveRange(before, events.Count - before);
                context.Problems.Report(new Problem(read.Name, $"{wrapper.Id}: {reason}"));
            }
        }
    }

    /// <summary>The list format a large object may be, given the forced or hinted formats; null when none.</summary>
    private IListPayloadFormat? ListFormat(Reading read) =>
        _forced is not null ? _forced as IListPayloadFormat
        : (read.Hinted ?? (IEnumerable<IPayloadFormat>)_formats).OfType<IListPayloadFormat>().FirstOrDefault();

    /// <summary>Reads the rest of a stream that is skipped, counting its bytes, so a pipe's writer is not left blocked.</summary>
    private static async Task DrainAsync(Stream stream, SourceContext context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int count;
            while ((count = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) context.BytesRead?.Invoke(count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<PayloadResult> CollectAsync(Stream stream, PayloadOrigin origin, PayloadHint? hint, CancellationToken cancellationToken)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        // The body is in memory already: an object of any size is read whole, as it came.
        await foreach (var block in ReadBlocksAsync(stream, origin, hint, new SourceContext(problems), cancellationToken, int.MaxValue).ConfigureAwait(false))
        {
            events.AddRange(block);
        }

        return new PayloadResult(events, problems.Problems, problems.Count);
    }

    /// <summary>The formats a hint names, among those of this reader; null when it names none (the payload is then recognized).</summary>
    private IPayloadFormat[]? HintedFormats(PayloadHint? hint)
    {
        if (hint is null || _forced is not null) return null;
        var formats = _formats.Where(f => hint.FormatIds.Contains(f.Id, StringComparer.OrdinalIgnoreCase)).ToArray();
        return formats.Length > 0 ? formats : null;
    }

    /// <summary>Reads as much of the start of the stream as it takes to see its first line whole, and tells its shape.</summary>
    private static async Task<FileShape.Kind> SniffAsync(Stream stream, CancellationToken cancellationToken)
    {
        var start = stream.Position;
        var length = stream.Length - start;
        for (var size = 64 * 1024L; ; size = Math.Min(size * 4, MaxLineBytes))
        {
            var head = new byte[Math.Min(length, size)];
            stream.Position = start;
            var count = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var complete = count >= length;
            var shape = FileShape.Sniff(head.AsSpan(0, count), complete);
            if (shape != FileShape.Kind.NeedMore || complete || size >= MaxLineBytes)
            {
                if (shape == FileShape.Kind.NeedMore && !complete && !head.AsSpan(0, count).Contains((byte)'\n'))
                {
                    // A first line longer than any line read: JSON Lines when another value starts on the line after it (the long
                    // line is then a problem of its own), else one document. Found by scanning on, never by buffering the line.
                    shape = await AfterLongLineAsync(stream, cancellationToken).ConfigureAwait(false);
                }

                stream.Position = start;
                return shape == FileShape.Kind.NeedMore ? FileShape.Kind.Document : shape;
            }
        }
    }

    /// <summary>From the stream's position: <see cref="FileShape.Kind.JsonLines"/> when the next line that is not blank starts with '{' or '[', else <see cref="FileShape.Kind.Document"/>.</summary>
    private static async Task<FileShape.Kind> AfterLongLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var lineEnded = false;
            int count;
            while ((count = await stream.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var chunk = buffer.AsSpan(0, count);
                if (!lineEnded)
                {
                    var newline = chunk.IndexOf((byte)'\n');
                    if (newline < 0) continue;
                    lineEnded = true;
                    chunk = chunk[(newline + 1)..];
                }

                var next = chunk.IndexOfAnyExcept(" \t\r\n"u8);
                if (next >= 0) return chunk[next] is (byte)'{' or (byte)'[' ? FileShape.Kind.JsonLines : FileShape.Kind.Document;
            }

            return FileShape.Kind.Document;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The events of the lines read, in blocks of at most <see cref="BlockEvents"/>.</summary>
    private async IAsyncEnumerable<Event[]> ReadLinesAsync(
        Stream stream, Reading read, List<Event> events, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var filled = 0;
            var lineNumber = 0;
            var endOfFile = false;
            // True while the rest of a line over MaxLineBytes is dropped (it was reported when it reached the bound).
            var skipping = false;
            while (!endOfFile)
            {
                if (filled == buffer.Length && buffer.Length >= MaxLineBytes)
                {
                    // A line over the bound: reported once, and its bytes dropped up to its end, so memory stays bounded.
                    if (!skipping)
                    {
                        lineNumber++;
                        context.Problems.Report(new Problem(read.Name, $"line longer than {MaxLineBytes >> 20} MiB; skipped", lineNumber));
                    }

                    skipping = true;
                    filled = 0;
                }
                else if (filled == buffer.Length)
                {
                    // A line longer than the buffer: grow it.
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var count = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                context.BytesRead?.Invoke(count);
                endOfFile = count == 0;
                filled += count;
                var consumed = 0;
                if (skipping)
                {
                    var end = buffer.AsSpan(0, filled).IndexOf((byte)'\n');
                    if (end < 0)
                    {
                        filled = 0;
                        continue;
                    }

                    consumed = end + 1;
                    skipping = false;
                }

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
                        ReadDocument(line, lineNumber, read, events, context);
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

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        for (var at = 0; at < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out var length) != OperationStatus.Done) return at;
            at += length;
        }

        return 0;
    }

    private void ReadDocument(ReadOnlyMemory<byte> json, int? line, Reading read, List<Event> events, SourceContext context)
    {
        if (json.Span.StartsWith(FileShape.ByteOrderMark)) json = json[FileShape.ByteOrderMark.Length..];
        if (!Utf8.IsValid(json.Span))
        {
            // The JSON readers throw on a string that is not UTF-8; that would end the file here, so the line is the problem.
            var at = FirstInvalidByte(json.Span);
            var lineOfByte = line ?? 1 + json.Span[..at].Count((byte)'\n');
            context.Problems.Report(new Problem(read.Name, $"not valid UTF-8 (byte 0x{json.Span[at]:x2} at offset {at}{(line is null ? "" : " of the line")})", lineOfByte));
            return;
        }

        if (TryReadFast(json.Span, line, read, events)) return;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var at = line ?? (int?)(ex.LineNumber + 1);
            context.Problems.Report(new Problem(read.Name, $"invalid JSON: {Describe(ex, json.Span)}", at));
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
                    ReadPayload(item, new Origin(read.Name, null), $"element {index}: ", read, events, context);
                }
            }
            else
            {
                ReadPayload(root, new Origin(read.Name, line), string.Empty, read, events, context);
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
    /// <remarks>With a hint, only the readers of the hinted formats are offered it: the document path would pick among those alone.</remarks>
    private bool TryReadFast(ReadOnlySpan<byte> json, int? line, Reading read, List<Event> events)
    {
        var readers = read.Hinted is null ? _readers : read.HintedReaders(_allReaders);
        foreach (var reader in readers)
        {
            if (reader.Excludes(json)) continue;
            switch (reader.TryRead(json, new Origin(read.Name, line), out var e))
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

    private void ReadPayload(JsonElement root, Origin origin, string prefix, Reading read, List<Event> events, SourceContext context)
    {
        if (_forced is not null && root.ValueKind != JsonValueKind.Object)
        {
            context.Problems.Report(new Problem(read.Name, $"{prefix}{_forced.Id}: the document is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object", origin.Line));
            return;
        }

        IPayloadFormat? format;
        if (read.Hinted is { } hinted)
        {
            format = root.ValueKind == JsonValueKind.Object ? hinted.FirstOrDefault(f => f.Recognizes(root)) : null;
            if (format is null)
            {
                var names = string.Join(" or ", hinted.Select(f => f.Id));
                var other = root.ValueKind == JsonValueKind.Object ? _formats.FirstOrDefault(f => f.Recognizes(root)) : null;
                var actual = other is null ? PayloadSniffer.DescribeUnsupported(root) : $"it is a {other.Id} payload";
                context.Problems.Report(new Problem(read.Name, $"{prefix}{read.Hint} names {names}, but the document is not one ({actual}); skipped", origin.Line));
                return;
            }
        }
        else
        {
            format = _forced ?? (root.ValueKind == JsonValueKind.Object ? _formats.FirstOrDefault(f => f.Recognizes(root)) : null);
        }

        if (format is null)
        {
            context.Problems.Report(new Problem(read.Name, prefix + PayloadSniffer.DescribeUnsupported(root), origin.Line));
            return;
        }

        var payload = new PayloadContext(origin, events);
        var before = events.Count;
        format.Read(root, payload);
        if (payload.Rejection is { } reason)
        {
            events.RemoveRange(before, events.Count - before);
            context.Problems.Report(new Problem(read.Name, $"{prefix}{format.Id}: {reason}", origin.Line));
        }
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

    /// <summary>One payload being read: its name for origins and problems, and the formats its hint names (null: recognize).</summary>
    private sealed class Reading(string name, IPayloadFormat[]? hinted, PayloadHint? hint)
    {
        private IUtf8PayloadReader[]? _hintedReaders;

        public string Name { get; } = name;

        public IPayloadFormat[]? Hinted { get; } = hinted;

        public PayloadHint? Hint { get; } = hint;

        /// <summary>The fast readers of the hinted formats, in the order of the formats.</summary>
        public IUtf8PayloadReader[] HintedReaders(IReadOnlyList<IUtf8PayloadReader> all) =>
            _hintedReaders ??= [.. Hinted!.Select(f => all.FirstOrDefault(r => string.Equals(r.FormatId, f.Id, StringComparison.OrdinalIgnoreCase))).OfType<IUtf8PayloadReader>()];
    }
}

/// <summary>What <see cref="PayloadReader"/> made of one payload.</summary>
/// <param name="Events">The events, in payload order.</param>
/// <param name="Problems">The problems, each naming the origin (the last <see cref="ProblemLog.DefaultCapacity"/> when there were more).</param>
/// <param name="ProblemCount">Every problem found, including those not kept in <paramref name="Problems"/>.</param>
internal sealed record PayloadResult(IReadOnlyList<Event> Events, IReadOnlyList<Problem> Problems, long ProblemCount);
