using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>Reads blobs through one long-lived <c>git cat-file --batch</c> process, started on first use.</summary>
/// <remarks>Thread-safe: requests are serialized (the process answers one at a time). Dispose ends the process.</remarks>
internal sealed class CatFileBlobReader(GitRepository repository) : IBlobReader, IDisposable
{
    private const int BinaryProbe = 8000;
    private static readonly UTF8Encoding Utf8 = new(false, false);
    private readonly Lock _gate = new();
    private Process? _process;
    private Stream? _output;

    public string? ReadText(string blobId)
    {
        ArgumentNullException.ThrowIfNull(blobId);
        var bytes = Read(blobId);
        if (bytes is null || bytes.AsSpan(0, Math.Min(bytes.Length, BinaryProbe)).Contains((byte)0)) return null;
        return Utf8.GetString(bytes);
    }

    /// <summary>The blob's bytes, or null when it is missing or the id is not a blob.</summary>
    public byte[]? Read(string blobId)
    {
        // One line per request: an id with a newline would desynchronize the protocol.
        if (blobId.Length == 0 || blobId.AsSpan().IndexOfAny('\n', '\r', ' ') >= 0) return null;
        lock (_gate)
        {
            if (_process is null)
            {
                _process = repository.Start(["cat-file", "--batch"], input: true);
                _output = _process.StandardOutput.BaseStream;
                _ = _process.StandardError.ReadToEndAsync();
            }

            _process.StandardInput.Write(blobId + "\n");
            _process.StandardInput.Flush();
            var header = ReadHeader(_output!);

            // "<id> blob <size>", or "<id> missing" / "<id> ambiguous".
            var parts = header.Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
            var content = new byte[size + 1];
            _output!.ReadExactly(content);
            return parts[1] == "blob" ? content[..^1] : null;
        }
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
