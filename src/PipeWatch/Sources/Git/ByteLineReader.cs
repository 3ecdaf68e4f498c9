namespace PipeWatch.Sources.Git;

/// <summary>Splits a byte stream into lines (without the <c>\n</c>) over one growing buffer: no string per line unless the caller makes one.</summary>
/// <remarks>The span a read returns is valid until the next read. Not thread-safe.</remarks>
internal sealed class ByteLineReader(Stream stream)
{
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Bytes consumed from the stream so far.</summary>
    public long BytesRead { get; private set; }

    public bool TryRead(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (found >= 0)
            {
                line = _buffer.AsSpan(_start, found);
                _start += found + 1;
                return true;
            }

            if (_eof)
            {
                if (_start < _end)
                {
                    line = _buffer.AsSpan(_start, _end - _start);
                    _start = _end;
                    return true;
                }

                line = default;
                return false;
            }

            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        // A line longer than the buffer: double it.
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
        BytesRead += read;
    }
}
