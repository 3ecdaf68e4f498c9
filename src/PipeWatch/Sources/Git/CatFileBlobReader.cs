using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>Reads blobs through one long-lived <c>git cat-file --batch</c> process, started on first use.</summary>
/// <remarks>
/// Thread-safe: requests are serialized (the process answers one at a time). <see cref="ReadMany"/> writes many ids before reading
/// the answers, so that a batch costs one round trip to git instead of one per blob. Dispose ends the process.
/// </remarks>
internal sealed class CatFileBlobReader(GitRepository repository, long maxBytes = CatFileBlobReader.DefaultMaxBytes) : IBatchBlobReader, IDisposable
{
    /// <summary>The largest blob read (1 GB): a larger one (a repository's content is attacker-controlled) is skipped and reads as null.</summary>
    /// <remarks>A .NET string or array holds at most about 2^30 characters and 2^31 bytes: past this, reading it whole would throw.</remarks>
    public const long DefaultMaxBytes = 1L << 30;

    private const int BinaryProbe = 8000;

    // Ids written before their answers are read: well under a pipe's 64 KB, so writing never waits for git to be read.
    private const int Pipelined = 256;
    private static readonly UTF8Encoding Utf8 = new(false, false);
    private readonly Lock _gate = new();
    private Process? _process;
    private Stream? _output;
    private byte[] _header = new byte[128];

    public string? ReadText(string blobId)
    {
        ArgumentNullException.ThrowIfNull(blobId);
        if (!Valid(blobId)) return null;
        lock (_gate)
        {
            var input = Started();
            Ask(input, blobId);
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
                    Ask(input, blobIds[i]);
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
            Ask(input, blobId);
            input.Flush();
            return Answer();
        }
    }

    // One line per request: an id with a newline would desynchronize the protocol.
    private static bool Valid(string blobId) => blobId.Length > 0 && blobId.AsSpan().IndexOfAny('\n', '\r', ' ') < 0;

    // The id and its newline, into the writer's buffer (no string made per request).
    private static void Ask(StreamWriter input, string blobId)
    {
        input.Write(blobId);
        input.Write('\n');
    }

    // The answer to one request as text: read into a pooled buffer (a large blob would otherwise cost two large-object arrays), then decoded.
    private string? AnswerText()
    {
        if (Header() is not ({ } blob, var size)) return null;
        if (!blob || size > maxBytes)
        {
            Skip(size + 1);
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)size + 1);
        try
        {
            var content = buffer.AsSpan(0, (int)size + 1);
            _output!.ReadExactly(content);
            content = content[..^1];
            if (content[..Math.Min(content.Length, BinaryProbe)].Contains((byte)0)) return null;
            return Utf8.GetString(content);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // "<id> <kind> <size>": whether the object is a blob, and its size (the content and a newline follow); null for
    // "<id> missing" / "<id> ambiguous" (nothing follows). Parsed from the header's bytes: no string per answer.
    private (bool Blob, long Size)? Header()
    {
        var header = ReadHeader(_output!);
        var last = header.LastIndexOf((byte)' ');
        if (last <= 0) return null;
        var kindStart = header[..last].LastIndexOf((byte)' ') + 1;
        if (kindStart <= 0 || !TryParseSize(header[(last + 1)..], out var size)) return null;
        return (header[kindStart..last].SequenceEqual("blob"u8), size);
    }

    // Decimal digits only, as git writes a size (no sign, no spaces), and small enough to add one to.
    private static bool TryParseSize(ReadOnlySpan<byte> digits, out long size)
    {
        size = 0;
        if (digits.IsEmpty || digits.Length > 18) return false;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9') return false;
            size = (size * 10) + (d - '0');
        }

        return true;
    }

    // Reads past an answer's content that is not kept, a buffer at a time.
    private void Skip(long count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (count > 0)
            {
                var piece = (int)Math.Min(count, buffer.Length);
                _output!.ReadExactly(buffer, 0, piece);
                count -= piece;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private StreamWriter Started()
    {
        if (_process is null)
        {
            _process = repository.Start(["cat-file", "--batch"], input: true);
            // Requests are flushed once per batch: a process's standard input flushes every write by default, a system call per id.
            _process.StandardInput.AutoFlush = false;
            // Buffered: the header is read a byte at a time.
            _output = new BufferedStream(_process.StandardOutput.BaseStream, 1 << 16);
            _ = _process.StandardError.ReadToEndAsync();
        }

        return _process.StandardInput;
    }

    // The answer to one request: "<id> blob <size>" then the content and a newline, or "<id> missing" / "<id> ambiguous".
    private byte[]? Answer()
    {
        if (Header() is not ({ } blob, var size)) return null;
        if (!blob || size > maxBytes)
        {
            Skip(size + 1);
            return null;
        }

        var content = new byte[size + 1];
        _output!.ReadExactly(content);
        return content[..^1];
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

    // The header line without its newline, in a buffer kept for the next answer (under the gate).
    private ReadOnlySpan<byte> ReadHeader(Stream stream)
    {
        var length = 0;
        while (true)
        {
            var b = stream.ReadByte();
            if (b is -1 or '\n') break;
            if (length == _header.Length) Array.Resize(ref _header, _header.Length * 2);
            _header[length++] = (byte)b;
        }

        return _header.AsSpan(0, length);
    }
}
