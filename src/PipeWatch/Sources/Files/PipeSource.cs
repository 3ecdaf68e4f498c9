using System.Runtime.CompilerServices;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources.Intake;
using PipeWatch.Sources.JobLogs;
using PipeWatch.Streams;

namespace PipeWatch.Sources.Files;

/// <summary>Reads a named pipe or standard input (<c>ingest -</c>) once, front to back: the format is told from the first bytes, kept and replayed, never by seeking.</summary>
/// <remarks>
/// JSON (one document or JSON Lines) goes to <see cref="JsonFileSource"/>, streamed; a CI job log to <see cref="JobLogSource"/>;
/// anything else is reported. The head read to decide is at most <see cref="HeadLimit"/> bytes.
/// </remarks>
internal sealed class PipeSource : ISource
{
    /// <summary>The most read ahead to see the first line whole (a JSON Lines line longer than this is read as one document).</summary>
    public const int HeadLimit = 1 << 20;

    private readonly string _path;
    private readonly Func<Stream> _open;

    /// <param name="path">The name events and problems carry (the pipe's path, or <c>/dev/stdin</c>).</param>
    /// <param name="open">Opens the stream; the source disposes it.</param>
    public PipeSource(string path, Func<Stream> open)
    {
        _path = path;
        _open = open;
    }

    /// <summary>A source over a named pipe, character device or <c>/dev/stdin</c> at <paramref name="path"/>.</summary>
    public static PipeSource ForPath(string path) => new(path, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1));

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            stream = _open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Problems.Report(new Problem(_path, $"cannot open: {ex.Message}"));
            yield break;
        }

        var head = new byte[64 * 1024];
        var length = 0;
        FileShape.Kind shape;
        while (true)
        {
            var read = await stream.ReadAsync(head.AsMemory(length), cancellationToken);
            length += read;
            var complete = read == 0;
            shape = FileShape.Sniff(head.AsSpan(0, length), complete);
            if (shape != FileShape.Kind.NeedMore) break;
            if (complete || length == HeadLimit)
            {
                shape = FileShape.Kind.Document;
                break;
            }

            if (length == head.Length) Array.Resize(ref head, Math.Min(head.Length * 4, HeadLimit));
        }

        var replay = new ReplayStream(head.AsMemory(0, length), stream);
        ISource? inner = shape switch
        {
            FileShape.Kind.Document or FileShape.Kind.JsonLines => new JsonFileSource(_path, () => replay, shape),
            FileShape.Kind.NotJson when JobLogFormats.Detect(new MemoryStream(head, 0, length), _path) is { } log =>
                new JobLogSource(JobLogOrigin.FromPath(_path), log, () => replay),
            _ => null,
        };
        if (inner is null)
        {
            await replay.DisposeAsync();
            context.Problems.Report(new Problem(_path, shape switch
            {
                FileShape.Kind.Empty => "input is empty",
                FileShape.Kind.Binary => "binary input, not JSON (contains NUL bytes)",
                _ => "neither JSON nor a job log PipeWatch knows",
            }));
            yield break;
        }

        await foreach (var e in inner.ReadAsync(context, cancellationToken)) yield return e;
    }

    // The bytes read to decide the format, then the rest of the stream.
    private sealed class ReplayStream(ReadOnlyMemory<byte> head, Stream rest) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _head = head;

        public override int Read(Span<byte> buffer)
        {
            if (_head.IsEmpty) return rest.Read(buffer);
            var n = Math.Min(buffer.Length, _head.Length);
            _head.Span[..n].CopyTo(buffer);
            _head = _head[n..];
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_head.IsEmpty) return rest.ReadAsync(buffer, cancellationToken);
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing) rest.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await rest.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
