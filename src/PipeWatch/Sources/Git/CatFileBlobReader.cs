using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>Reads blobs through one long-lived <c>git cat-file --batch</c> process, started on first use.</summary>
/// <remarks>
/// Thread-safe: requests are serialized (the process answers one at a time). <see cref="ReadMany"/> writes many ids before reading
/// the answers, so that a batch costs one round trip to git instead of one per blob. Dispose ends the process.
/// </remarks>
internal sealed class CatFileBlobReader(GitRepository repository) : IBatchBlobReader, IDisposable
{
    private const int BinaryProbe = 8000;

    // Ids written before their answers are read: well under a pipe's 64 KB, so writing never waits for git to be read.
    private const int Pipelined = 256;
    private static readonly UTF8Encoding Utf8 = new(false, false);
    private readonly Lock _gate = new();
    private Process? _process;
    private Stream? _output;

    public string? ReadText(string blobId)
    {
        ArgumentNullException.ThrowIfNull(blobId);
        if (!Valid(blobId)) return null;
        lock (_gate)
        {
            var input = Started();
            input.Write(blobId + "\n");
            input.Flush();
            return AnswerText();
        }
    }

    /// <summary>The texts of many blobs (as <see cref="ReadText"/>), asked of git in batches; an id that is not a valid request reads as null.</summary>
    public string?[] ReadMany(IReadOnlyList<string> blobIds)
    {
        ArgumentNullException.ThrowIfNull(blobIds);
        var texts = new string?[blobIds.Count];
        var asked = new List<int>(Math.Min(blobIds.Count, Pipelined));
        lock (_gate)
        {
            for (var start = 0; start < blobIds.Count; start += Pipelined)
            {
                asked.Clear();
                var input = Started();
                for (var i = start; i < Math.Min(blobIds.Count, start + Pipelined); i++)
                {
                    if (!Valid(blobIds[i])) continue;
                    input.Write(blobIds[i] + "\n");
                    asked.Add(i);
                }

                input.Flush();
                foreach (var i in asked) texts[i] = AnswerText();
            }
        }

        return texts;
    }

    /// <summary>The blob's bytes, or null when it is missing or the id is not a blob.</summary>
    public byte[]? Read(string blobId)
    {
        if (!Valid(blobId)) return null;
        lock (_gate)
        {
            var input = Started();
            input.Write(blobId + "\n");
            input.Flush();
            return Answer();
        }
    }

    // One line per request: an id with a newline would desynchronize the protocol.
    private static bool Valid(string blobId) => blobId.Length > 0 && blobId.AsSpan().IndexOfAny('\n', '\r', ' ') < 0;

    // The answer to one request as text: read into a pooled buffer (a large blob would otherwise cost two large-object arrays), then decoded.
    private string? AnswerText()
    {
        if (Header() is not ({ } kind, var size)) return null;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(size + 1, int.MaxValue));
        try
        {
            var content = buffer.AsSpan(0, (int)size + 1);
            _output!.ReadExactly(content);
            content = content[..^1];
            if (kind != "blob" || content[..Math.Min(content.Length, BinaryProbe)].Contains((byte)0)) return null;
            return Utf8.GetString(content);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // "<id> blob <size>" (the kind and size; the content follows), or null for "<id> missing" / "<id> ambiguous".
    private (string Kind, long Size)? Header()
    {
        var parts = ReadHeader(_output!).Split(' ');
        if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
        return (parts[1], size);
    }

    private StreamWriter Started()
    {
        if (_process is null)
        {
            _process = repository.Start(["cat-file", "--batch"], input: true);
            // Buffered: the header is read a byte at a time.
            _output = new BufferedStream(_process.StandardOutput.BaseStream, 1 << 16);
            _ = _process.StandardError.ReadToEndAsync();
        }

        return _process.StandardInput;
    }

    // The answer to one request: "<id> blob <size>" then the content and a newline, or "<id> missing" / "<id> ambiguous".
    private byte[]? Answer()
    {
        if (Header() is not ({ } kind, var size)) return null;
        var content = new byte[size + 1];
        _output!.ReadExactly(content);
        return kind == "blob" ? content[..^1] : null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_process is null) return;
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(2000)) _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
            _process = null;
        }
    }

    private static string ReadHeader(Stream stream)
    {
        var bytes = new List<byte>(64);
        while (true)
        {
            var b = stream.ReadByte();
            if (b is -1 or '\n') break;
            bytes.Add((byte)b);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
