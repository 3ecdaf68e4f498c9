using System.Text;

namespace PipeWatch.Sources.Files;

/// <summary>Reads lines of a text, none longer than a bound: a longer line is given as cut (its head), and the rest of it skipped unread into memory.</summary>
/// <remarks><see cref="TextReader.ReadLine"/> holds a whole line, so one 215 MB line took twice that in memory; this holds at most the bound.</remarks>
internal sealed class BoundedLineReader(TextReader reader, int maxChars)
{
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;

    /// <summary>True when the last line read was longer than the bound (and is cut).</summary>
    public bool LastWasCut { get; private set; }

    /// <summary>The next line without its '\n' (and a '\r' before it), or null at the end.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        _line.Clear();
        LastWasCut = false;
        var any = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = await reader.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                _position = 0;
                if (_length == 0) return any ? Finish() : null;
            }

            any = true;
            var span = _buffer.AsSpan(_position, _length - _position);
            var newline = span.IndexOf('\n');
            var piece = newline < 0 ? span : span[..newline];
            var room = maxChars - _line.Length;
            if (piece.Length > room)
            {
                LastWasCut = true;
                piece = piece[..Math.Max(0, room)];
            }

            _line.Append(piece);
            if (newline >= 0)
            {
                _position += newline + 1;
                return Finish();
            }

            _position = _length;
        }
    }

    private string Finish()
    {
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        return _line.ToString();
    }
}
