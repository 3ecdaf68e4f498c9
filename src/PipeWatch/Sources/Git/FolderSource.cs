using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.Git;

/// <summary>
/// <c>pipewatch scan --no-git PATH</c>: every text file under a plain folder, each as a pseudo-commit that adds all its lines,
/// dated by the file's last write. Binary files (a NUL byte in the first 8,000) and <c>.git</c> folders are skipped.
/// </summary>
/// <remarks>Blob ids are git's own (SHA-1 of <c>blob SIZE\0</c> and the bytes), so identical files are scanned once, as in a history.</remarks>
public sealed class FolderSource : ICommitSource
{
    /// <summary>Files larger than this are skipped and reported: generated data, archives, dumps.</summary>
    public const long MaximumFileBytes = 32L << 20;

    private const int BinaryProbe = 8000;
    private static readonly UTF8Encoding Utf8 = new(false, false);
    private readonly IProblemReporter _problems;
    private readonly FolderBlobs _blobs = new();
    private long _bytesRead;

    public FolderSource(string folder, IProblemReporter problems)
    {
        if (!Directory.Exists(folder)) throw new GitException($"{folder}: no such folder");
        Root = Path.GetFullPath(folder);
        Repository = new DirectoryInfo(Root).Name;
        _problems = problems;
    }

    public string Repository { get; }

    public string Root { get; }

    public IBlobReader Blobs => _blobs;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long? CountCommits() => null;

    public IEnumerable<SourcedCommit> Read(CancellationToken cancellationToken)
    {
        foreach (var file in Files(Root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ReadFile(file) is { } commit) yield return new SourcedCommit(commit, false);
        }
    }

    public void Dispose()
    {
    }

    private GitCommit? ReadFile(string file)
    {
        var relative = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
        byte[] bytes;
        DateTimeOffset written;
        try
        {
            var info = new FileInfo(file);
            if (info.Length > MaximumFileBytes)
            {
                _problems.Report(new Problem(file, $"skipped: {info.Length / (1 << 20)} MB, larger than the {MaximumFileBytes >> 20} MB a text file is read up to"));
                return null;
            }

            bytes = File.ReadAllBytes(file);
            written = info.LastWriteTimeUtc;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.Report(new Problem(file, $"cannot read ({ex.Message})"));
            return null;
        }

        Interlocked.Add(ref _bytesRead, bytes.Length);
        if (bytes.AsSpan(0, Math.Min(bytes.Length, BinaryProbe)).Contains((byte)0)) return null;
        var blob = BlobId(bytes);
        _blobs.Add(blob, file);
        var lines = Lines(bytes);
        var change = new GitFileChange(relative, null, FileChangeKind.Added, null, blob, lines.Count, 0, false, lines);
        var who = new GitIdentity(string.Empty, string.Empty, written);
        return new GitCommit(GitHistorySource.StagedSha, [], who, who, relative, SignatureState.Unknown, [change]);
    }

    // The file's lines. A final newline ends the last line; it does not start another; a carriage return that ends a line
    // (\r\n line ends, or a final \r) is not part of it. The bytes before the final newline decode straight into the joined text.
    private static AddedText Lines(byte[] bytes)
    {
        var length = bytes.Length > 0 && bytes[^1] == (byte)'\n' ? bytes.Length - 1 : bytes.Length;
        var text = Utf8.GetString(bytes, 0, length);
        return AddedText.FromFile(text.Contains('\r', StringComparison.Ordinal) ? WithoutLineEndReturns(text) : text);
    }

    private static string WithoutLineEndReturns(string text)
    {
        var joined = new StringBuilder(text.Length);
        var from = 0;
        for (var at = text.IndexOf('\r', StringComparison.Ordinal); at >= 0; at = text.IndexOf('\r', at + 1))
        {
            if (at + 1 < text.Length && text[at + 1] != '\n') continue;
            joined.Append(text, from, at - from);
            from = at + 1;
        }

        return joined.Append(text, from, text.Length - from).ToString();
    }

    // Every file under the folder, in ordinal order of path, not following links, without .git folders.
    private static IEnumerable<string> Files(string root)
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
            foreach (var child in children.Where(c => c is FileInfo && c.LinkTarget is null))
            {
                yield return child.FullName;
            }

            foreach (var child in children.OfType<DirectoryInfo>().Where(d => d.LinkTarget is null && d.Name != ".git").Reverse())
            {
                pending.Push(child.FullName);
            }
        }
    }

    private static string BlobId(byte[] bytes)
    {
        var header = Encoding.ASCII.GetBytes($"blob {bytes.Length}\0");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(header);
        sha.AppendData(bytes);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
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
