using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Parsed dependency files by blob id, shared by the dependency detectors of one scan so each blob is read and parsed once.</summary>
/// <remarks>Single-threaded, as commit detectors are. A file that does not parse is reported once (file, line, reason) and reads as empty.</remarks>
internal sealed class LockfileCache
{
    private const int Capacity = 256;
    private readonly Dictionary<string, IReadOnlyList<Dependency>> _parsed = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly IProblemReporter _problems;

    public LockfileCache(IProblemReporter problems) => _problems = problems;

    /// <summary>The dependencies in one version of a file (empty for a missing, binary or unparsable blob).</summary>
    public IReadOnlyList<Dependency> Read(ILockfileParser parser, string path, string? blobId, IBlobReader blobs, string? commit)
    {
        if (blobId is null) return [];
        var key = parser.Format + "|" + blobId;
        if (_parsed.TryGetValue(key, out var cached)) return cached;
        var text = blobs.ReadText(blobId);
        IReadOnlyList<Dependency> found = [];
        if (text is not null)
        {
            var parse = parser.Parse(path, text);
            foreach (var problem in parse.Problems)
            {
                // A plain folder or the staged changes have no commit to name (their files carry the all-zero id).
                var at = commit is null or Sources.Git.GitHistorySource.StagedSha ? problem.File : $"{problem.File} (commit {commit[..Math.Min(12, commit.Length)]})";
                _problems.Report(problem with { File = at });
            }

            // A file with problems and no packages is malformed: no findings from it, as from an empty file.
            found = parse.Dependencies;
        }

        _parsed[key] = found;
        _order.Enqueue(key);
        if (_order.Count > Capacity) _parsed.Remove(_order.Dequeue());
        return found;
    }
}
