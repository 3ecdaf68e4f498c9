using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipeWatch.Baselines;
using PipeWatch.Bench;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>An in-memory history for commit detectors: commits built as git would report them, with their blobs readable.</summary>
internal sealed class CommitHistory : IBlobReader
{
    public static readonly DateTimeOffset Start = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<string, string> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tree = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredBaseline> _baselines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _trees = new(StringComparer.Ordinal);
    private string? _head;
    private int _count;

    /// <summary>A blob by id, or a file as a commit has it (<c>commit:path</c>, as <c>git cat-file</c> reads it).</summary>
    public string? ReadText(string blobId) => blobId.Split(':', 2) is [var commit, var path]
        ? _trees.GetValueOrDefault(commit)?.GetValueOrDefault(path) is { } id ? _blobs[id] : null
        : _blobs.GetValueOrDefault(blobId);

    /// <summary>
    /// When true, a modified file carries its <c>-U0</c> hunk (one, from the first to the last line that differ) as git's log
    /// gives it, and <see cref="Inspect"/> prepares the commit first as a scan's preparation workers do: lockfile versions are
    /// then made from the previous version and the change (<see cref="PipeWatch.Detectors.Dependencies.LockfileCache.Prepare"/>).
    /// </summary>
    public bool WithHunks { get; init; }

    /// <summary>A commit that writes (or, with null content, deletes) files.</summary>
    public GitCommit Commit(string author, params (string Path, string? Content)[] files)
    {
        var changes = new List<GitFileChange>();
        foreach (var (path, content) in files)
        {
            var old = _tree.GetValueOrDefault(path);
            if (content is null)
            {
                _tree.Remove(path);
                changes.Add(new GitFileChange(path, null, FileChangeKind.Deleted, old, null, 0, 1, false, []));
                continue;
            }

            var id = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(content)));
            _blobs[id] = content;
            _tree[path] = id;
            var lines = content.Split('\n').Select((t, i) => new AddedLine(i + 1, t)).ToList();
            changes.Add(new GitFileChange(path, null, old is null ? FileChangeKind.Added : FileChangeKind.Modified, old, id, lines.Count, 0, false, lines)
            {
                Hunks = WithHunks && old is not null ? OneHunk(_blobs[old], content) : null,
            });
        }

        var when = Start.AddHours(_count++);
        var name = author.Split(" <")[0];
        var email = author.Split(" <").ElementAtOrDefault(1)?.TrimEnd('>') ?? "";
        var sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{_head}|{_count}|{author}")));
        var commit = new GitCommit(sha, _head is null ? [] : [_head], new GitIdentity(name, email, when), new GitIdentity(name, email, when), $"commit {_count}", SignatureState.Unsigned, changes);
        _head = sha;
        _trees[sha] = new Dictionary<string, string>(_tree, StringComparer.Ordinal);
        return commit;
    }

    /// <summary>Runs one detector on one commit and returns what it reported.</summary>
    public List<Finding> Inspect(ICommitDetector detector, GitCommit commit, bool learnOnly = false)
    {
        var found = new List<Finding>();
        var detection = new DetectionContext(new BaselineSet(detector.Info.Id, new Storage(_baselines)), TimeProvider.System, found.Add);
        var prepared = WithHunks && detector is ICommitPreparer preparer ? preparer.Prepare(commit, [], learnOnly, this) : null;
        detector.Inspect(commit, new CommitContext("acme/shop", this, detection, learnOnly) { Prepared = prepared });
        return found;
    }

    // The -U0 hunk that turns one text into the other, as git log gives it (bench: the same edit the lockfile suite follows).
    private static DiffHunks OneHunk(string before, string after) => OneHunkDiff.Between(before, after) is [var edit]
        ? new DiffHunks([edit.OldStart, edit.OldCount, edit.NewStart, edit.NewCount], !after.EndsWith('\n'))
        : DiffHunks.None;

    /// <summary>A package-lock.json v3 with the project's direct dependencies and each package's own.</summary>
    public static string NpmLock(params NpmEntry[] packages)
    {
        var root = new Dictionary<string, object>
        {
            ["dependencies"] = packages.Where(p => p.Direct).ToDictionary(p => p.Name, p => "^" + p.Version),
        };
        var all = new Dictionary<string, object> { [""] = root };
        foreach (var p in packages)
        {
            var entry = new Dictionary<string, object> { ["version"] = p.Version, ["resolved"] = p.Resolved ?? $"https://registry.npmjs.org/{p.Name}/-/{p.Name}-{p.Version}.tgz" };
            entry["integrity"] = p.Integrity ?? "sha512-" + Convert.ToBase64String(SHA512.HashData(Encoding.UTF8.GetBytes(p.Name + p.Version)));
            if (p.Requires.Length > 0) entry["dependencies"] = p.Requires.ToDictionary(r => r, _ => "*");
            all["node_modules/" + p.Name] = entry;
        }

        return JsonSerializer.Serialize(new Dictionary<string, object> { ["name"] = "shop", ["lockfileVersion"] = 3, ["requires"] = true, ["packages"] = all }, Indented);
    }

    /// <summary>A package.json naming the direct dependencies.</summary>
    public static string PackageJson(params string[] direct) =>
        JsonSerializer.Serialize(new { name = "shop", dependencies = direct.ToDictionary(d => d, _ => "*") }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private sealed class Storage(Dictionary<string, StoredBaseline> store) : IBaselineStorage
    {
        public StoredBaseline? LoadBaseline(string key) => store.TryGetValue(key, out var b) ? b : null;

        public void SaveBaseline(string key, byte version, byte[] data) => store[key] = new StoredBaseline(version, data);
    }
}

/// <summary>One package of a generated package-lock.json.</summary>
internal sealed record NpmEntry(string Name, string Version, bool Direct = false, string? Resolved = null, string? Integrity = null, params string[] Requires);
