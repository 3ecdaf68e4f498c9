using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Tests.Support;

/// <summary>Runs commit detectors over in-memory commits: blobs by content hash, baselines in memory, findings collected.</summary>
internal sealed class CommitBench : IBlobReader, IBaselineStorage
{
    public const string Repository = "octo-org/octo-repo";

    private readonly Dictionary<string, string> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredBaseline> _baselines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tree = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _metadataAt = new(StringComparer.Ordinal);
    private string? _previous;
    private int _commits;

    public List<Finding> Findings { get; } = [];

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The signature state given to the next commits.</summary>
    public SignatureState Signature { get; set; } = SignatureState.Unsigned;

    /// <summary>A blob by id, or a CODEOWNERS or .gitattributes file by <c>commit:path</c> as <c>git cat-file</c> reads it.</summary>
    public string? ReadText(string blobId) =>
        blobId.Split(':') is [var sha, var path] ? _metadataAt.GetValueOrDefault(sha)?.GetValueOrDefault(path) : _blobs.GetValueOrDefault(blobId);

    public StoredBaseline? LoadBaseline(string key) => _baselines.TryGetValue(key, out var b) ? b : null;

    public void SaveBaseline(string key, byte version, byte[] data) => _baselines[key] = new StoredBaseline(version, data);

    /// <summary>A commit writing <paramref name="files"/> (path → new text, null to delete) over the bench's current tree.</summary>
    public GitCommit Commit(GitIdentity author, params (string Path, string? Text)[] files)
    {
        var changes = new List<GitFileChange>();
        foreach (var (path, text) in files)
        {
            var old = _tree.GetValueOrDefault(path);
            var oldBlob = old is null ? null : Store(old);
            if (text is null)
            {
                _tree.Remove(path);
                var count = Lines(old ?? string.Empty).Length;
                changes.Add(new GitFileChange(path, null, FileChangeKind.Deleted, oldBlob, null, 0, count, false, []));
                continue;
            }

            _tree[path] = text;
            var added = Added(Lines(old ?? string.Empty), Lines(text), out var deleted);
            changes.Add(new GitFileChange(path, null, old is null ? FileChangeKind.Added : FileChangeKind.Modified, oldBlob, Store(text), added.Count, deleted, false, added));
        }

        _commits++;
        var sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"commit {_commits}")));
        _metadataAt[sha] = _tree.Where(f => f.Key.EndsWith("CODEOWNERS", StringComparison.Ordinal) || f.Key == ".gitattributes").ToDictionary(StringComparer.Ordinal);
        var commit = new GitCommit(sha, _previous is null ? [] : [_previous], author, author, $"change {_commits}", Signature, changes);
        _previous = sha;
        return commit;
    }

    /// <summary>Runs <paramref name="detector"/> over <paramref name="commit"/>, collecting what it reports.</summary>
    public void Run(ICommitDetector detector, GitCommit commit, bool learnOnly = false)
    {
        var baselines = new BaselineSet(detector.Info.Id, this);
        var detection = new DetectionContext(baselines, Time, Findings.Add);
        detector.Inspect(commit, new CommitContext(Repository, this, detection, learnOnly));
        baselines.Flush();
    }

    public static GitIdentity Person(string name, DateTimeOffset when) => new(name, $"{name.ToLowerInvariant()}@example.com", when);

    private string Store(string text)
    {
        var id = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
        _blobs[id] = text;
        return id;
    }

    private static string[] Lines(string text) => text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');

    /// <summary>The lines of <paramref name="after"/> not in the longest common subsequence with <paramref name="before"/>, numbered in the new file.</summary>
    private static List<AddedLine> Added(string[] before, string[] after, out int deleted)
    {
        var lengths = new int[before.Length + 1, after.Length + 1];
        for (var i = before.Length - 1; i >= 0; i--)
        {
            for (var j = after.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = before[i] == after[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var added = new List<AddedLine>();
        int a = 0, b = 0, kept = 0;
        while (b < after.Length)
        {
            if (a < before.Length && before[a] == after[b])
            {
                a++;
                b++;
                kept++;
            }
            else if (a < before.Length && lengths[a + 1, b] >= lengths[a, b + 1])
            {
                a++;
            }
            else
            {
                added.Add(new AddedLine(b + 1, after[b]));
                b++;
            }
        }

        deleted = before.Length - kept;
        return added;
    }
}
