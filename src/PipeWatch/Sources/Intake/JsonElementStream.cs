using System.Text.Json;

namespace PipeWatch.Sources.Intake;

/// <summary>
/// Reads the elements of one JSON array from a stream one at a time — a top-level array, or the array a wrapper object holds
/// under a named property (<c>{"total_count": 2, "jobs": [...]}</c>) — so memory is bounded by the largest element, never the document.
/// </summary>
/// <remarks>
/// A <see cref="Utf8JsonReader"/> runs over a buffer refilled from the stream; its state is kept between refills, so only the
/// element being read is held. An element longer than the bound is skipped with a byte-level scan (strings, escapes and brackets,
/// never buffered whole) and reported as <see cref="JsonElementKind.TooLarge"/>; an element the reader refuses is skipped the same way
/// when its end can be told, and reported as <see cref="JsonElementKind.Invalid"/>. Anything else wrong ends the stream with
/// <see cref="JsonElementKind.Invalid"/>, after the elements before it. Not thread-safe; the bytes of an element are valid until the
/// next call of <see cref="NextAsync"/>.
/// </remarks>
internal sealed class JsonElementStream : IDisposable
{
    private const int MinBuffer = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxElementBytes;
    private readonly byte[]? _property;
    private readonly Action<long>? _bytesRead;
    private byte[] _buffer;
    private int _start;
    private int _filled;
    private bool _final;
    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 256 });
    private Phase _phase;
    private int _index;

    // The element at _index + 1 was skipped and stands in the buffer as the placeholder "0": report it as this kind.
    private (JsonElementKind Kind, string? Reason, long? Line)? _skipped;

    /// <param name="stream">Positioned at the document's first byte (after any byte order mark).</param>
    /// <param name="maxElementBytes">The longest element read; a longer one is skipped and reported.</param>
    /// <param name="property">When set, the document is an object and the elements are those of its array under this property; null: the document is an array.</param>
    /// <param name="head">Bytes already read from the stream, rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>: this stream owns it from now on (null: none).</param>
    /// <param name="start">Where the document starts in <paramref name="head"/>.</param>
    /// <param name="filled">How much of <paramref name="head"/> holds bytes read.</param>
    /// <param name="bytesRead">Told the count of every read from the stream (not of <paramref name="head"/>).</param>
    public JsonElementStream(Stream stream, int maxElementBytes, string? property, byte[]? head = null, int start = 0, int filled = 0, Action<long>? bytesRead = null)
    {
        _stream = stream;
        _maxElementBytes = maxElementBytes;
        _property = property is null ? null : System.Text.Encoding.UTF8.GetBytes(property);
        _bytesRead = bytesRead;
        _buffer = head ?? System.Buffers.ArrayPool<byte>.Shared.Rent(MinBuffer);
        _start = start;
        _filled = filled;
    }

    private enum Phase
    {
        Start,
        SeekProperty,
        InArray,
        AfterArray,
        Trailing,
        Done,
    }

    private enum Step
    {
        Element,
        NeedMore,
        End,
    }

    /// <summary>True once a wrapper object's property was found holding an array (always true for a top-level array once started).</summary>
    public bool FoundArray { get; private set; }

    /// <summary>The next element, a skipped one, the end, or the reason the rest cannot be read.</summary>
    public async ValueTask<JsonElementItem> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_phase == Phase.Done) return new JsonElementItem(JsonElementKind.End, default, _index, null, null);
            Step step;
            JsonElementItem item;
            try
            {
                step = Next(out item);
            }
            catch (JsonException ex)
            {
                var line = ex.LineNumber + 1;
                var reason = Reason(ex);
                if (_phase == Phase.InArray && _skipped is null)
                {
                    // Skip the element the reader refused, if its end can be found, and go on with the next (the reader's state is
                    // still the one before it: only whole elements are committed).
                    if (await SkipElementAsync(cancellationToken).ConfigureAwait(false))
                    {
                        _skipped = (JsonElementKind.Invalid, $"invalid JSON: {reason}", line);
                        continue;
                    }
                }

                return Stop($"invalid JSON: {reason}", line);
            }

            switch (step)
            {
                case Step.Element:
                    return item;
                case Step.End:
                    _phase = Phase.Done;
                    return new JsonElementItem(JsonElementKind.End, default, _index, null, null);
            }

            if (_final)
            {
                // The reader asks for more at the end of the input only when a token is cut short.
                return Stop("invalid JSON: truncated", null);
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_phase == Phase.InArray && _skipped is null && await SkipElementAsync(cancellationToken).ConfigureAwait(false))
                {
                    _skipped = (JsonElementKind.TooLarge, $"larger than {_maxElementBytes >> 20} MiB; skipped", null);
                    continue;
                }

                return Stop(_phase == Phase.InArray
                    ? $"larger than {_maxElementBytes >> 20} MiB, or cut short; the rest is not read"
                    : $"a value outside the list larger than {_maxElementBytes >> 20} MiB; the rest is not read", null);
            }
        }
    }

    /// <summary>True once reading ended on a problem (an <see cref="JsonElementKind.Invalid"/> result that was not one skipped element).</summary>
    public bool Stopped { get; private set; }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Ends reading on a problem: it names the element being read (index 0 when outside the array).</summary>
    private JsonElementItem Stop(string reason, long? line)
    {
        var index = _phase == Phase.InArray ? _index + 1 : 0;
        _phase = Phase.Done;
        Stopped = true;
        return new JsonElementItem(JsonElementKind.Invalid, default, index, reason, line);
    }

    private static string Reason(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut].TrimEnd() : message;
        return text.Contains("end of data", StringComparison.Ordinal) || text.Contains("depth to be zero", StringComparison.Ordinal) ? $"truncated ({text})" : text;
    }

    private Step Next(out JsonElementItem item)
    {
        item = default;
        var origin = _start;
        var reader = new Utf8JsonReader(_buffer.AsSpan(origin, _filled - origin), _final, _state);
        while (true)
        {
            switch (_phase)
            {
                case Phase.Start:
                    if (!reader.Read()) return Step.NeedMore;
                    if (_property is null)
                    {
                        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("the document is not an array", null, 0, 0);
                        FoundArray = true;
                        _phase = Phase.InArray;
                    }
                    else
                    {
                        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the document is not an object", null, 0, 0);
                        _phase = Phase.SeekProperty;
                    }

                    Commit(ref reader, origin);
                    continue;

                case Phase.SeekProperty:
                case Phase.AfterArray:
                    if (!reader.Read()) return Step.NeedMore;
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        _phase = Phase.Trailing;
                        Commit(ref reader, origin);
                        continue;
                    }

                    var wanted = _phase == Phase.SeekProperty && reader.ValueTextEquals(_property!);
                    if (!reader.Read()) return Step.NeedMore;
                    if (wanted && reader.TokenType == JsonTokenType.StartArray)
                    {
                        FoundArray = true;
                        _phase = Phase.InArray;
                    }
                    else if (!reader.TrySkip())
                    {
                        return Step.NeedMore;
                    }

                    Commit(ref reader, origin);
                    continue;

                case Phase.InArray:
                    if (!reader.Read()) return Step.NeedMore;
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _phase = _property is null ? Phase.Trailing : Phase.AfterArray;
                        Commit(ref reader, origin);
                        continue;
                    }

                    var from = (int)reader.TokenStartIndex;
                    if (!reader.TrySkip()) return Step.NeedMore;
                    var to = (int)reader.BytesConsumed;
                    _index++;
                    if (_skipped is { } skipped)
                    {
                        _skipped = null;
                        item = new JsonElementItem(skipped.Kind, default, _index, skipped.Reason, skipped.Line);
                    }
                    else
                    {
                        item = new JsonElementItem(JsonElementKind.Element, _buffer.AsMemory(origin + from, to - from), _index, null, null);
                    }

                    Commit(ref reader, origin);
                    return Step.Element;

                case Phase.Trailing:
                    if (reader.Read()) throw new JsonException("more than one JSON value in the document", null, 0, 0);
                    if (!_final) return Step.NeedMore;
                    Commit(ref reader, origin);
                    return Step.End;

                default:
                    return Step.End;
            }
        }
    }

    private void Commit(ref Utf8JsonReader reader, int origin)
    {
        _start = origin + (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    /// <summary>Makes room and reads more; false when the unread part already fills the largest buffer allowed.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        Compact(0);
        if (_filled == _buffer.Length)
        {
            var limit = _maxElementBytes;
            if (_buffer.Length >= limit) return false;
            Grow(Math.Min(limit, _buffer.Length * 2));
        }

        await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private void Grow(int size)
    {
        var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _filled).CopyTo(bigger);
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private async ValueTask ReadMoreAsync(CancellationToken cancellationToken)
    {
        var count = await _stream.ReadAsync(_buffer.AsMemory(_filled), cancellationToken).ConfigureAwait(false);
        _bytesRead?.Invoke(count);
        _filled += count;
        _final = count == 0;
    }

    /// <summary>Moves the unread bytes to <paramref name="at"/>.</summary>
    private void Compact(int at)
    {
        if (_start == at) return;
        _buffer.AsSpan(_start, _filled - _start).CopyTo(_buffer.AsSpan(at));
        _filled = at + _filled - _start;
        _start = at;
    }

    /// <summary>
    /// Drops the element at <see cref="_start"/> (with its leading comma) by scanning its bytes, and puts the placeholder <c>0</c>
    /// (<c>,0</c>) in its place, so the reader, in the state it had before the element, reads on. False when its end was not found.
    /// </summary>
    private async ValueTask<bool> SkipElementAsync(CancellationToken cancellationToken)
    {
        var scan = new ValueScan { First = _index == 0 };
        while (true)
        {
            var end = scan.Feed(_buffer.AsSpan(_start, _filled - _start));
            if (end == ValueScan.Refused) return false;
            if (end >= 0)
            {
                _start += end;
                var placeholder = scan.Comma ? ",0"u8 : "0"u8;
                if (_start < placeholder.Length)
                {
                    if (_filled - _start + placeholder.Length > _buffer.Length) Grow(_buffer.Length + MinBuffer);
                    Compact(placeholder.Length);
                }

                _start -= placeholder.Length;
                placeholder.CopyTo(_buffer.AsSpan(_start));
                return true;
            }

            if (_final) return false;
            _start = 0;
            _filled = 0;
            await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A scan over the raw bytes of one array element: its leading comma, then a string, a container or a scalar.</summary>
    private struct ValueScan
    {
        public const int Refused = -2;

        public bool First;
        public bool Comma;
        private bool _started;
        private bool _scalar;
        private bool _inString;
        private bool _escape;
        private int _depth;

        /// <summary>The offset just past the element's end within <paramref name="bytes"/>, -1 when it goes on, or <see cref="Refused"/>.</summary>
        public int Feed(ReadOnlySpan<byte> bytes)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                var b = bytes[i];
                if (!_started)
                {
                    if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
                    if (b == (byte)',' && !Comma && !First)
                    {
                        Comma = true;
                        continue;
                    }

                    // An element needs its comma (but the first); a ']' or a second comma is not an element to skip.
                    if ((!Comma && !First) || b is (byte)']' or (byte)'}' or (byte)',' or (byte)':') return Refused;
                    _started = true;
                    if (b == (byte)'"') _inString = true;
                    else if (b is (byte)'{' or (byte)'[') _depth = 1;
                    else _scalar = true;
                    continue;
                }

                if (_inString)
                {
                    if (_escape) _escape = false;
                    else if (b == (byte)'\\') _escape = true;
                    else if (b == (byte)'"')
                    {
                        _inString = false;
                        if (_depth == 0) return i + 1;
                    }

                    continue;
                }

                if (_scalar)
                {
                    if (b is (byte)',' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') return i;
                    continue;
                }

                if (b == (byte)'"') _inString = true;
                else if (b is (byte)'{' or (byte)'[') _depth++;
                else if (b is (byte)'}' or (byte)']' && --_depth == 0) return i + 1;
            }

            return -1;
        }
    }
}

/// <summary>What <see cref="JsonElementStream.NextAsync"/> read.</summary>
internal enum JsonElementKind
{
    /// <summary>An element, whole: <see cref="JsonElementItem.Bytes"/>.</summary>
    Element,

    /// <summary>An element longer than the bound, skipped.</summary>
    TooLarge,

    /// <summary>Invalid JSON: one element skipped (when <see cref="JsonElementItem.Line"/> is null and reading goes on) or the rest not read.</summary>
    Invalid,

    /// <summary>The end of the array (and of the document).</summary>
    End,
}

/// <summary>One result of <see cref="JsonElementStream.NextAsync"/>.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Bytes">The element's bytes, for <see cref="JsonElementKind.Element"/>; valid until the next read.</param>
/// <param name="Index">The element's 1-based position in the array.</param>
/// <param name="Reason">Why it was skipped or reading stopped.</param>
/// <param name="Line">The line of the document where reading stopped, when known.</param>
internal readonly record struct JsonElementItem(JsonElementKind Kind, ReadOnlyMemory<byte> Bytes, int Index, string? Reason, long? Line);
