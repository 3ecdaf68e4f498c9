using System.Runtime.CompilerServices;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources.Intake;

namespace PipeWatch.Sources.Files;

/// <summary>Reads one file of JSON payloads (one document, an array of documents, or JSON Lines) through the <see cref="PayloadReader"/>.</summary>
/// <remarks>
/// The file is opened here; how its bytes become events and problems (streaming JSON Lines, the fast readers, the formats) is the
/// <see cref="PayloadReader"/>'s, the same for files as for webhook bodies. A file that cannot be opened is reported and skipped.
/// </remarks>
internal sealed class JsonFileSource : ISource
{
    private readonly string _path;
    private readonly PayloadReader _reader;
    private readonly (Func<Stream> Open, FileShape.Kind Shape)? _stream;

    /// <param name="path">The file to read.</param>
    /// <param name="formats">The formats to recognize, in order.</param>
    /// <param name="forced">When set, every document is read as this format.</param>
    /// <param name="readers">The fast readers, <see cref="PayloadFormats.FastReaders"/> when null.</param>
    public JsonFileSource(string path, IReadOnlyList<IPayloadFormat> formats, IPayloadFormat? forced = null, IReadOnlyList<IUtf8PayloadReader>? readers = null)
    {
        _path = path;
        _reader = new PayloadReader(formats, forced, readers);
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
            await using var pipe = piped.Open();
            await foreach (var block in _reader.ReadBlocksAsync(pipe, piped.Shape, PayloadOrigin.File(_path), context, cancellationToken))
            {
                yield return block;
            }

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
            await foreach (var block in _reader.ReadBlocksAsync(stream, PayloadOrigin.File(_path), hint: null, context, cancellationToken))
            {
                yield return block;
            }
        }
    }
}
