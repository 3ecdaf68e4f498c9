using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.Git;

/// <summary>
/// <c>pipewatch scan --no-git PATH</c>: every text file under a plain folder, each as a pseudo-commit that adds all its lines,
/// dated by the file's last write. Binary files (a NUL byte in the first 8,000) and <c>.git</c> folders are skipped.
/// </summary>
/// <remarks>
/// A file's blob id is the 128-bit XxHash3 of its bytes, so identical files are scanned once, as in a history. The ids are
/// not git's (a SHA-1 costs ten times as much) and never leave the run: findings in a plain folder name the file only.
/// Files are read, hashed and decoded a batch at a time on up to <c>workers</c> threads, and yielded (and their problems
/// reported) in path order, so the result does not depend on the number of workers.
/// </remarks>
public sealed class FolderSource : ICommitSource
{
    /// <summary>Files larger than this are skipped and reported: generated data, archives, dumps.</summary>
    public const long MaximumFileBytes = 32L << 20;

    private const int BinaryProbe = 8000;

    // Files read at once, and the bytes after which a batch is closed early (a few large files are a batch of their own).
    private const int BatchFiles = 32;
    private const long BatchBytes = 8L << 20;

    private static readonly UTF8Encoding Utf8 = new(false, false);

    private readonly IProblemReporter _problems;
    private readonly int _workers;
    private readonly FolderBlobs _blobs = new();
    private readonly FileInfo? _only;
    private long _bytesRead;

    /// <param name="folder">The folder to scan, or one file (scanned alone, named relative to its folder).</param>
    /// <param name="problems">Where unreadable and skipped files are reported.</param>
    /// <param name="workers">Threads that read files at once (1: on the reading thread only).</param>
    public FolderSource(string folder, IProblemReporter problems, int workers = 1)
    {
        if (File.Exists(folder))
        {
            _only = new FileInfo(Path.GetFullPath(folder));
            folder = _only.DirectoryName!;
        }

        if (!Directory.Exists(folder)) throw new GitException($"{folder}: no such folder");
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Root = Path.GetFullPath(folder);
        Repository = new DirectoryInfo(Root).Name;
        _problems = problems;
        _workers = workers;
    }

    public string Repository { get; }

    public string Root { get; }

    public IBlobReader Blobs => _blobs;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long? CountCommits() => null;

    /// <summary>Files left out of the scan, by full path: the run's own outputs when they are written inside the folder.</summary>
    public Func<string, bool>? Skipping { get; init; }

    public IEnumerable<SourcedCommit> Read(CancellationToken cancellationToken)
    {
        var batch = new List<FileInfo>(BatchFiles);
        long bytes = 0;
        foreach (var file in _only is null ? Files(Root) : [_only])
        {
            if (Skipping?.Invoke(file.FullName) == true) continue;
            batch.Add(file);
            bytes += Listed(file);
            if (batch.Count < BatchFiles && bytes < BatchBytes) continue;
            foreach (var commit in ReadBatch(batch, cancellationToken)) yield return commit;
            batch.Clear();
            bytes = 0;
        }

        foreach (var commit in ReadBatch(batch, cancellationToken)) yield return commit;
    }

    public void Dispose()
    {
    }

    // The batch's files read in parallel, then handed on (with their problems) in order.
    private IEnumerable<SourcedCommit> ReadBatch(List<FileInfo> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var read = new (GitCommit? Commit, Problem? Problem)[batch.Count];
        if (_workers == 1 || batch.Count == 1)
        {
            for (var i = 0; i < batch.Count; i++) read[i] = ReadFile(batch[i]);
        }
        else
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = _workers, CancellationToken = cancellationToken };
            Parallel.For(0, batch.Count, options, i => read[i] = ReadFile(batch[i]));
        }

        foreach (var (commit, problem) in read)
        {
            if (problem is not null) _problems.Report(problem);
            if (commit is not null) yield return new SourcedCommit(commit, false);
        }
    }

    // The file as listed (its size and time are those of the listing), read with one open, read and close.
    private (GitCommit?, Problem?) ReadFile(FileInfo info)
    {
        var file = info.FullName;
        var relative = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
        byte[] buffer;
        int length;
        DateTimeOffset written;
        try
        {
            if (info.Length > MaximumFileBytes)
            {
                return (null, new Problem(file, $"skipped: {info.Length / (1 << 20)} MB, larger than the {MaximumFileBytes >> 20} MB a text file is read up to"));
            }

            written = info.LastWriteTimeUtc;
            if (ReadAll(file, info.Length) is not { } read) return (null, null);
            (buffer, length) = read;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, new Problem(file, $"cannot read ({ex.Message})"));
        }

        Interlocked.Add(ref _bytesRead, length);
        var blob = Convert.ToHexStringLower(XxHash128.Hash(buffer.AsSpan(0, length)));
        _blobs.Add(blob, file);
        var lines = Lines(buffer, length);
        ArrayPool<byte>.Shared.Return(buffer);
        var change = new GitFileChange(relative, null, FileChangeKind.Added, null, blob, lines.Count, 0, false, lines);
        var who = new GitIdentity(string.Empty, string.Empty, written);
        return (new GitCommit(GitHistorySource.StagedSha, [], who, who, relative, SignatureState.Unknown, [change]), null);
    }

    // The size a file was listed with; 0 when it is gone (reading it will say so).
    private static long Listed(FileInfo file)
    {
        try
        {
            return file.Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    // The whole file, listed as length bytes long, in a buffer rented from the shared pool (the caller returns it), and how
    // many bytes it holds; null for a binary file (a NUL byte in the first BinaryProbe bytes, which are read first: the
    // rest of a binary file is never read). A read of one byte more than listed that returns the listed size has met the
    // end, so a small text file costs one open, one read and a close. A file that changed since it was listed is read
    // again whole.
    private static (byte[] Bytes, int Length)? ReadAll(string file, long length)
    {
        using (var handle = File.OpenHandle(file))
        {
            var bytes = ArrayPool<byte>.Shared.Rent((int)length + 1);
            var span = bytes.AsSpan(0, (int)length + 1);
            var read = Read(handle, span[..Math.Min(span.Length, BinaryProbe)], 0);
            if (span[..read].Contains((byte)0))
            {
                ArrayPool<byte>.Shared.Return(bytes);
                return null;
            }

            if (read == BinaryProbe) read += Read(handle, span[read..], read);
            if (read == length) return (bytes, read);
            ArrayPool<byte>.Shared.Return(bytes);
        }

        var again = File.ReadAllBytes(file);
        if (again.AsSpan(0, Math.Min(again.Length, BinaryProbe)).Contains((byte)0)) return null;
        var copy = ArrayPool<byte>.Shared.Rent(again.Length);
        again.CopyTo(copy, 0);
        return (copy, again.Length);
    }

    // Fills span from offset on, up to the end of the file; the bytes read.
    private static int Read(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> span, long offset)
    {
        var read = 0;
        for (int n; read < span.Length && (n = RandomAccess.Read(handle, span[read..], offset + read)) > 0;) read += n;
        return read;
    }

    // The file's lines. A final newline ends the last line; it does not start another; a carriage return that ends a line
    // (\r\n line ends, or a final \r) is not part of it. Such returns are taken out of the bytes in place (the blob id is
    // already computed), and the bytes before the final newline decode straight into the joined text.
    private static AddedText Lines(byte[] bytes, int length)
    {
        if (length > 0 && bytes[length - 1] == (byte)'\n') length--;
        if (bytes.AsSpan(0, length).Contains((byte)'\r')) length = WithoutLineEndReturns(bytes.AsSpan(0, length));
        return AddedText.FromFile(Utf8.GetString(bytes, 0, length));
    }

    // Moves the bytes over each \r that precedes a \n or ends the text; the new length.
    private static int WithoutLineEndReturns(Span<byte> text)
    {
        var kept = 0;
        var from = 0;
        for (var at = text.IndexOf((byte)'\r'); at >= 0; at = text[(at + 1)..].IndexOf((byte)'\r') is var next and >= 0 ? at + 1 + next : -1)
        {
            if (at + 1 < text.Length && text[at + 1] != (byte)'\n') continue;
            text[from..at].CopyTo(text[kept..]);
            kept += at - from;
            from = at + 1;
        }

        text[from..].CopyTo(text[kept..]);
        return kept + text.Length - from;
    }

    // Every file under the folder, in ordinal order of path, not following links, without .git folders.
    private static IEnumerable<FileInfo> Files(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            var info = new DirectoryInfo(folder);
            FileSystemInfo[] children;
            try
            {
                children = info.GetFileSystemInfos();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            Array.Sort(children, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            // Links are known from the listing (a link is a reparse point): asking each file for its target costs a call.
            foreach (var child in children.OfType<FileInfo>().Where(c => !c.Attributes.HasFlag(FileAttributes.ReparsePoint)))
            {
                yield return child;
            }

            foreach (var child in children.OfType<DirectoryInfo>().Where(d => !d.Attributes.HasFlag(FileAttributes.ReparsePoint) && d.Name != ".git").Reverse())
            {
                pending.Push(child.FullName);
            }
        }
    }

    private sealed class FolderBlobs : IBlobReader
    {
        private readonly ConcurrentDictionary<string, string> _paths = new(StringComparer.Ordinal);

        public void Add(string blob, string path) => _paths.TryAdd(blob, path);

        public string? ReadText(string blobId)
        {
            if (!_paths.TryGetValue(blobId, out var path)) return null;
            try
            {
                var bytes = File.ReadAllBytes(path);
                return bytes.AsSpan(0, Math.Min(bytes.Length, BinaryProbe)).Contains((byte)0) ? null : Utf8.GetString(bytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
