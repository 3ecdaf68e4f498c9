using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.JobLogs;

/// <summary>Reads one CI job log, streaming, into <see cref="EventKind.JobLog"/> events: one per step section, cut into bounded parts.</summary>
/// <remarks>
/// A section becomes an event when its step changes, or when it reaches <see cref="MaxSectionLines"/> lines or
/// <see cref="MaxSectionChars"/> characters, so memory stays bounded whatever the log's size; a line longer than
/// <see cref="MaxLineChars"/> is cut into pieces that keep its line number. Lines with NUL bytes are reported and skipped.
/// A part cut for its size hands its last lines (up to <see cref="OverlapLines"/> lines and <see cref="OverlapChars"/>
/// characters) on to the next part as well, so a secret printed across the cut, such as a PEM block or base64 wrapped
/// over lines, is whole in one of them. One found in both parts is the same finding, and is reported once.
/// The event id hashes the section's place and text, so ingesting the same log again is skipped by the ledger.
/// </remarks>
internal sealed class JobLogSource : ISource
{
    public const int MaxSectionLines = 5_000;
    public const int MaxSectionChars = 1 << 20;
    public const int MaxLineChars = 256 * 1024;

    /// <summary>Lines at most that a part cut for its size shares with the next: a 4096-bit RSA key in PEM is 51 lines.</summary>
    public const int OverlapLines = 64;

    /// <summary>Characters at most that a part cut for its size shares with the next.</summary>
    public const int OverlapChars = 16 * 1024;

    // Characters read at once. Every buffer of a log (the reader's bytes and characters, the line reader's) stays under the
    // 85,000 bytes from which .NET allocates on the large-object heap: at 64 K characters each file's buffers went there, and
    // ingesting 9,222 small logs collected generation 2 over and over (4.3 s, with the thread pool's reads; now 1.9 s).
    private const int ReadChars = 16 * 1024;

    private readonly JobLogOrigin _origin;
    private readonly IJobLogFormat _format;
    private readonly Func<Stream> _open;

    /// <param name="origin">Where the log is and what its path says about it.</param>
    /// <param name="format">Its format.</param>
    /// <param name="open">Opens the log for reading; the source disposes the stream.</param>
    public JobLogSource(JobLogOrigin origin, IJobLogFormat format, Func<Stream> open)
    {
        _origin = origin;
        _format = format;
        _open = open;
    }

    /// <summary>A source over a file on disk.</summary>
    public static JobLogSource ForFile(string path, IJobLogFormat format) =>
        new(JobLogOrigin.FromPath(path), format, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan));

    public string Path => _origin.File;

    public IJobLogFormat Format => _format;

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        TextReader reader;
        try
        {
            reader = new StreamReader(_open(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: ReadChars);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            context.Problems.Report(new Problem(_origin.File, $"cannot open: {ex.Message}"));
            yield break;
        }

        using (reader)
        {
            var parser = _format.CreateParser(_origin.StepHint);
            var section = new Section(this);
            var lines = new LineReader(reader);
            // Plain text has no markup to parse: its lines go to the section straight from the read buffer.
            var plain = _format is PlainTextLogFormat;
            var any = false;
            while (lines.Read(cancellationToken) is { } memory)
            {
                any = true;
                context.BytesRead?.Invoke(memory.Length + 1);
                var number = lines.LineNumber;
                var binary = memory.Span.Contains('\0');
                if (binary) context.Problems.Report(new Problem(_origin.File, $"{_format.Id}: binary data (NUL bytes) in the line; skipped", number));
                var text = binary ? ReadOnlyMemory<char>.Empty : memory;
                if (plain && !text.Span.ContainsAny('\u001b', '\r'))
                {
                    if (section.Ends(_origin.StepHint, null, number) && section.ToEvent(parser, section.Continues(_origin.StepHint, null)) is { } e) yield return e;
                    section.Add(text.Span, _origin.StepHint, null, null, number);
                    continue;
                }

                var line = parser.Read(text.ToString());
                if (section.Ends(line.Step, line.Job, number) && section.ToEvent(parser, section.Continues(line.Step, line.Job)) is { } next) yield return next;
                section.Add(line.Text, line.Step, line.Job, line.Time, number);
            }

            if (!any) context.Problems.Report(new Problem(_origin.File, "file is empty"));
            if (section.ToEvent(parser) is { } last) yield return last;
        }
    }

    // The lines of the section being read, and what the event of it needs.
    private sealed class Section(JobLogSource source)
    {
        private readonly StringBuilder _text = new();
        private int _firstLine;
        private int _lastLine;
        private int _lines;
        private int _part;
        private string? _step;
        private string? _job;
        private DateTimeOffset? _time;

        public bool Ends(string? step, string? job, int number) =>
            _lines > 0 && (!Continues(step, job) || _lines >= MaxSectionLines || _text.Length >= MaxSectionChars) && number != _lastLine;

        /// <summary>True when a line of this step and job belongs to the section's step and job (so a cut is for size only).</summary>
        public bool Continues(string? step, string? job) => step == _step && job == _job;

        public void Add(ReadOnlySpan<char> text, string? step, string? job, DateTimeOffset? time, int number)
        {
            if (_lines == 0)
            {
                _part = step == _step && job == _job ? _part + 1 : 0;
                _firstLine = number;
                _step = step;
                _job = job;
                _time = null;
            }
            else
            {
                // A long line cut into pieces stays one line of the text.
                if (number != _lastLine) _text.Append('\n');
            }

            _text.Append(text);
            _time ??= time;
            _lastLine = number;
            _lines++;
        }

        /// <param name="parser">The log's parser, for the repository and pipeline it read.</param>
        /// <param name="carryOver">The section was cut for its size: its last lines begin the next part too.</param>
        public Event? ToEvent(IJobLogParser parser, bool carryOver = false)
        {
            if (_lines == 0) return null;
            var text = _text.ToString();
            _text.Clear();
            var firstLine = _firstLine;
            var time = _time;
            var part = _part;
            _lines = 0;
            if (carryOver) Carry(text);
            var origin = source._origin;
            var job = _job ?? origin.Job;
            var repository = parser.Repository ?? string.Empty;
            var pipeline = origin.Pipeline ?? parser.Pipeline ?? string.Empty;
            var run = origin.RunId ?? string.Empty;
            return new Event
            {
                Kind = EventKind.JobLog,
                Id = Id(source._format.Id, repository, pipeline, run, job, _step, part, text),
                Timestamp = time ?? DateTimeOffset.UnixEpoch,
                TimestampMissing = time is null,
                Dataset = $"joblog.{source._format.Id}",
                Ci = new CiContext(repository, pipeline, run, Job: job, Platform: source._format.Platform),
                Origin = new Origin(origin.File, firstLine),
                Log = new LogSection(_step, firstLine, text),
            };
        }

        // Starts the next part of the same step with the last whole lines of text (at most OverlapLines and OverlapChars).
        private void Carry(string text)
        {
            var start = text.Length;
            var lines = 0;
            while (lines < OverlapLines)
            {
                var newline = start == 0 ? -1 : text.LastIndexOf('\n', start - 1);
                if (newline < 0 || text.Length - (newline + 1) > OverlapChars) break;
                start = newline;
                lines++;
            }

            if (lines == 0) return;
            _text.Append(text.AsSpan(start + 1));
            _lines = lines;
            _firstLine = _lastLine - lines + 1;
            _part++;
            _time = null;
        }

        private static string Id(string format, string repository, string pipeline, string run, string? job, string? step, int part, string text)
        {
            var hash = new XxHash128();
            foreach (var value in (ReadOnlySpan<string?>)[format, repository, pipeline, run, job, step, part.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                hash.Append(MemoryMarshal.AsBytes((value ?? "\u0000").AsSpan()));
                hash.Append([0xFF, 0xFE]);
            }

            hash.Append(MemoryMarshal.AsBytes(text.AsSpan()));
            return $"joblog:{Convert.ToHexStringLower(hash.GetCurrentHash())}";
        }
    }

    // Splits a text into lines on '\n' only (GitLab keeps '\r' inside its lines), cutting a line longer than MaxLineChars.
    // A line is handed out as memory into the read buffer when it lies there whole, else into a scratch buffer; either is
    // valid until the next read.
    private sealed class LineReader(TextReader reader)
    {
        private readonly char[] _buffer = new char[ReadChars];
        private char[] _scratch = new char[4096];
        private int _scratchLength;
        private int _position;
        private int _length;
        private bool _continues;

        public int LineNumber { get; private set; }

        public ReadOnlyMemory<char>? Read(CancellationToken cancellationToken)
        {
            if (!_continues) LineNumber++;
            _scratchLength = 0;
            while (true)
            {
                if (_position == _length)
                {
                    // A blocking read: the logs are files and zip entries, where an asynchronous read only adds a hop
                    // through the thread pool for each buffer.
                    cancellationToken.ThrowIfCancellationRequested();
                    _length = reader.Read(_buffer);
                    _position = 0;
                    if (_length == 0)
                    {
                        _continues = false;
                        // Not "? … : null": null would convert to an empty memory (from a null array), not to no line.
                        if (_scratchLength == 0) return null;
                        return Trim(_scratch.AsMemory(0, _scratchLength));
                    }
                }

                var span = _buffer.AsSpan(_position, _length - _position);
                var newline = span.IndexOf('\n');
                var take = Math.Min(newline < 0 ? span.Length : newline, MaxLineChars - _scratchLength);
                var complete = newline >= 0 && take == newline;
                if (complete && _scratchLength == 0)
                {
                    var line = _buffer.AsMemory(_position, take);
                    _position += take + 1;
                    _continues = false;
                    return Trim(line);
                }

                Keep(span[..take]);
                _position += take;
                if (complete)
                {
                    _position++;
                    _continues = false;
                    return Trim(_scratch.AsMemory(0, _scratchLength));
                }

                if (_scratchLength >= MaxLineChars)
                {
                    _continues = true;
                    return _scratch.AsMemory(0, _scratchLength);
                }
            }
        }

        private void Keep(ReadOnlySpan<char> piece)
        {
            if (_scratchLength + piece.Length > _scratch.Length) Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _scratchLength + piece.Length));
            piece.CopyTo(_scratch.AsSpan(_scratchLength));
            _scratchLength += piece.Length;
        }

        private static ReadOnlyMemory<char> Trim(ReadOnlyMemory<char> line) => line.Span is [.., '\r'] ? line[..^1] : line;
    }
}
