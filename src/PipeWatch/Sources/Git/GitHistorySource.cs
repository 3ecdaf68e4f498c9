using System.Diagnostics;
using System.Globalization;

namespace PipeWatch.Sources.Git;

/// <summary>
/// Reads a git history as one streamed <c>git log -p -U0 --raw</c>, oldest first, merges diffed against their first parent;
/// or, for <see cref="GitSelection.Staged"/>, the index against HEAD as one pseudo-commit.
/// </summary>
/// <remarks>
/// One git process per part of the selection (the learned-from prefix, then the range), its output parsed as it arrives,
/// so memory holds one commit at a time. Blobs are read through one long-lived <c>git cat-file --batch</c>.
/// </remarks>
public sealed class GitHistorySource : ICommitSource
{
    /// <summary>The id git uses for "no commit": the staged pseudo-commit's id.</summary>
    public const string StagedSha = "0000000000000000000000000000000000000000";

    private readonly GitRepository _repository;
    private readonly GitSelection _selection;
    private readonly CatFileBlobReader _blobs;
    private long _bytesBefore;
    private GitLogParser? _parser;

    public GitHistorySource(GitRepository repository, GitSelection selection)
    {
        _repository = repository;
        _selection = selection;
        _blobs = new CatFileBlobReader(repository);
        Validate();
    }

    public string Repository => _repository.Name;

    public string Root => _repository.Root;

    public IBlobReader Blobs => _blobs;

    public long BytesRead => _bytesBefore + (_parser?.BytesRead ?? 0);

    /// <summary>The arguments of <c>git log</c> that every part shares.</summary>
    internal static IReadOnlyList<string> LogArguments { get; } =
    [
        "log", "--reverse", "--date-order", "-p", "-U0", "--raw", "--no-abbrev", "-M", "--diff-merges=first-parent",
        "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--encoding=UTF-8", "--format=" + GitLogParser.Format,
    ];

    public long? CountCommits()
    {
        if (_selection.Staged) return 1;
        long total = 0;
        foreach (var (revisions, _) in Parts())
        {
            var text = _repository.Run(["rev-list", "--count", .. revisions, "--"], allowFailure: true);
            if (!long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return null;
            total += count;
        }

        return total;
    }

    public IEnumerable<SourcedCommit> Read(CancellationToken cancellationToken)
    {
        if (_selection.Staged)
        {
            foreach (var commit in ReadStaged(cancellationToken)) yield return new SourcedCommit(commit, false);
            yield break;
        }

        foreach (var (revisions, learnOnly) in Parts())
        {
            foreach (var commit in Stream([.. LogArguments, .. revisions, "--"], null, cancellationToken))
            {
                yield return new SourcedCommit(commit, learnOnly);
            }
        }
    }

    public void Dispose() => _blobs.Dispose();

    // The git log revisions of each part, and whether its commits are only learned from.
    private List<(string[] Revisions, bool LearnOnly)> Parts()
    {
        if (!HasCommits()) return [];
        if (_selection.All) return [(["--all"], false)];
        if (_selection.Range is { } range)
        {
            var (from, to) = SplitRange(range);
            return [([from], true), ([$"{from}..{to}"], false)];
        }

        if (_selection.Since is { } since) return [(["--before=" + since, "HEAD"], true), (["--since=" + since, "HEAD"], false)];
        return [(["HEAD"], false)];
    }

    private bool HasCommits() => _selection.All || _repository.IsCommit("HEAD");

    private void Validate()
    {
        if (_selection.Range is not { } range) return;
        var (from, to) = SplitRange(range);
        foreach (var revision in new[] { from, to }.Where(r => !_repository.IsCommit(r)))
        {
            throw new GitException($"--range {range}: '{revision}' is not a commit of {_repository.Root}");
        }
    }

    private static (string From, string To) SplitRange(string range)
    {
        var dots = range.IndexOf("..", StringComparison.Ordinal);
        if (dots <= 0 || range.Contains("...", StringComparison.Ordinal))
        {
            throw new GitException($"--range {range}: expected A..B (the commits reachable from B and not from A)");
        }

        var to = range[(dots + 2)..];
        return (range[..dots], to.Length == 0 ? "HEAD" : to);
    }

    private IEnumerable<GitCommit> ReadStaged(CancellationToken cancellationToken)
    {
        var head = _repository.IsCommit("HEAD") ? _repository.Run(["rev-parse", "HEAD"])!.Trim() : null;
        var ident = ParseIdent(_repository.Run(["var", "GIT_AUTHOR_IDENT"], allowFailure: true));
        var pseudo = new GitCommit(StagedSha, head is null ? [] : [head], ident, ident, "(staged changes)", SignatureState.Unknown, []);
        string[] args =
        [
            "diff", "--cached", "-p", "-U0", "--raw", "--no-abbrev", "-M", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/",
        ];
        return Stream(args, pseudo, cancellationToken);
    }

    // "Name <email> 1700000000 +0100", as git var prints it.
    private static GitIdentity ParseIdent(string? text)
    {
        text = text?.Trim() ?? string.Empty;
        var open = text.IndexOf('<', StringComparison.Ordinal);
        var close = text.IndexOf('>', StringComparison.Ordinal);
        if (open < 0 || close < open) return new GitIdentity(text, string.Empty, DateTimeOffset.UnixEpoch);
        var rest = text[(close + 1)..].Trim().Split(' ');
        var when = rest.Length > 0 && long.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UnixEpoch;
        return new GitIdentity(text[..open].Trim(), text[(open + 1)..close], when);
    }

    private IEnumerable<GitCommit> Stream(string[] args, GitCommit? pseudo, CancellationToken cancellationToken)
    {
        using var process = _repository.Start(args);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var kill = cancellationToken.Register(() => Kill(process));
        var parser = new GitLogParser(process.StandardOutput.BaseStream, pseudo);
        _parser = parser;
        var complete = false;
        try
        {
            while (parser.Next() is { } commit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return commit;
            }

            complete = true;
        }
        finally
        {
            _bytesBefore += parser.BytesRead;
            _parser = null;

            // Stopped early (cancelled, or the consumer failed): git would block on a full pipe.
            if (!complete) Kill(process);
            process.WaitForExit();
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            throw new GitException($"git {args[0]} failed in {_repository.Root}: {GitRepository.FirstLine(errors.Result)}");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
