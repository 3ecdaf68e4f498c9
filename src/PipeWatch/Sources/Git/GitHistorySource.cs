using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sources.Git;

/// <summary>
/// Reads a git history as one streamed <c>git log -p -U0 --raw</c>, oldest first, merges diffed against their first parent;
/// or, for <see cref="GitSelection.Staged"/>, the index against HEAD as one pseudo-commit.
/// </summary>
/// <remarks>
/// One git process per part of the selection (the learned-from prefix, then the range), its output parsed as it arrives,
/// so memory holds one commit at a time. Blobs are read through one long-lived <c>git cat-file --batch</c>.
/// </remarks>
public sealed partial class GitHistorySource : ICommitSource
{
    /// <summary>The id git uses for "no commit": the staged pseudo-commit's id.</summary>
    public const string StagedSha = "0000000000000000000000000000000000000000";

    /// <summary>The message of the pseudo-commit that holds the staged changes (<c>scan --staged</c>).</summary>
    public const string StagedMessage = "(staged changes)";

    private readonly GitRepository _repository;
    private readonly GitSelection _selection;
    private readonly CatFileBlobReader _blobs;
    private readonly IProblemReporter? _problems;
    private long _bytesBefore;
    private GitLogParser? _parser;

    // The parts of the selection, once worked out; and the git log of the first, when Start began it before Read.
    private List<(string[] Revisions, bool LearnOnly)>? _parts;
    private (string[] Args, Process Process, Task<string> Errors)? _started;
    private bool _begun;

    /// <param name="repository">The repository to read.</param>
    /// <param name="selection">Which commits.</param>
    /// <param name="problems">
    /// Where an object git cannot read (a partial or damaged clone) is reported, naming commit, path and object id, after which the
    /// walk goes on with the next commit; and where a shallow or partial clone is stated. Null: such a failure ends the read.
    /// </param>
    public GitHistorySource(GitRepository repository, GitSelection selection, IProblemReporter? problems = null)
    {
        _repository = repository;
        _selection = selection;
        _problems = problems;
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
        foreach (var (revisions, _) in _parts ??= Parts())
        {
            var text = _repository.Run(["rev-list", "--count", .. revisions, "--"], allowFailure: true);
            if (!long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return null;
            total += count;
        }

        return total;
    }

    /// <summary>
    /// Starts git on the history now, so that it walks the commits while the caller builds what will read them (rules,
    /// detectors, outputs); <see cref="Read"/> takes the process over, and <see cref="Dispose"/> stops it if nothing reads it.
    /// </summary>
    /// <remarks>
    /// Optional: without it, Read starts git itself. The commits read are the same either way; only git's start-up (its walk of
    /// the commits, which <c>--reverse</c> makes whole before the first one comes out) overlaps the caller's.
    /// </remarks>
    public void Start()
    {
        if (_selection.Staged || _begun) return;
        _begun = true;
        if ((_parts ??= Parts()).Count == 0) return;
        string[] args = [.. LogArguments, .. _parts[0].Revisions, "--"];
        var process = _repository.Start(args);
        _started = (args, process, process.StandardError.ReadToEndAsync(CancellationToken.None));
    }

    /// <summary>The git process <see cref="Start"/> began and <see cref="Read"/> has not taken over yet; null when none.</summary>
    internal Process? StartedGit => _started?.Process;

    public IEnumerable<SourcedCommit> Read(CancellationToken cancellationToken)
    {
        if (_selection.Staged)
        {
            foreach (var commit in ReadStaged(cancellationToken)) yield return new SourcedCommit(commit, false);
            yield break;
        }

        _begun = true;
        if (_problems is not null && HistoryGaps.Describe(_repository) is { } gaps) _problems.Report(new Problem(_repository.Root, gaps));
        foreach (var (revisions, learnOnly) in _parts ??= Parts())
        {
            var read = _problems is null
                ? Stream([.. LogArguments, .. revisions, "--"], null, cancellationToken)
                : StreamPastUnreadable(revisions, cancellationToken);
            foreach (var commit in read)
            {
                yield return new SourcedCommit(commit, learnOnly);
            }
        }
    }

    // The part's commits as Stream gives them; when git stops on an object it cannot read, the commit that holds it is given with
    // its file list but no added lines, the object is reported, and the walk resumes after it with the commits git had yet to show.
    private IEnumerable<GitCommit> StreamPastUnreadable(string[] revisions, CancellationToken cancellationToken)
    {
        List<string>? order = null;
        string? failure = null; // a failure not yet pinned on a commit: the last one shown, or the next one (the resume tells)
        GitCommit? last = null;
        var read = Stream([.. LogArguments, .. revisions, "--"], null, cancellationToken);
        while (true)
        {
            var yielded = 0;
            string? error = null;
            using (var commits = read.GetEnumerator())
            {
                while (true)
                {
                    try
                    {
                        if (!commits.MoveNext()) break;
                    }
                    catch (GitException ex) when (Unreadable(ex.Message) is not null)
                    {
                        error = ex.Message;
                        break;
                    }

                    // A commit after the failed one came through: the failure was in the last one shown before it.
                    if (yielded++ == 0 && failure is not null && last is not null) Report(last, failure);
                    failure = null;
                    last = commits.Current;
                    yield return last;
                }
            }

            if (error is null)
            {
                if (failure is not null && last is not null) Report(last, failure);
                yield break;
            }

            order ??= [.. _repository.Run(["rev-list", "--reverse", "--date-order", .. revisions, "--"])!.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            if (yielded == 0 && failure is not null)
            {
                // The resumed walk failed before showing anything: its first commit holds the unreadable object.
                last = RawOnly(order[Position(order, last) + 1], cancellationToken);
                Report(last, error);
                failure = null;
                yield return last;
            }
            else
            {
                failure = error;
            }

            var rest = order.Skip(Position(order, last) + 1).ToList();
            if (rest.Count == 0)
            {
                if (failure is not null && last is not null) Report(last, failure);
                yield break;
            }

            read = Stream([.. LogArguments.Where(a => a is not ("--reverse" or "--date-order")), "--no-walk=unsorted", "--stdin"], null, cancellationToken, rest);
        }
    }

    private static int Position(IReadOnlyList<string> order, GitCommit? commit)
    {
        if (commit is null) return -1;
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i] == commit.Sha) return i;
        }

        return -1;
    }

    // The commit's header and file list, without the patch (no blob is read: no rename detection either).
    private GitCommit RawOnly(string sha, CancellationToken cancellationToken)
    {
        string[] args = ["log", "--no-walk", "--raw", "--no-abbrev", "--no-renames", "--diff-merges=first-parent", "--encoding=UTF-8", "--format=" + GitLogParser.Format, sha, "--"];
        return Stream(args, null, cancellationToken).Single();
    }

    private void Report(GitCommit commit, string message)
    {
        var id = Unreadable(message);
        var path = commit.Files.FirstOrDefault(f => f.NewBlob == id || f.OldBlob == id)?.Path;
        _problems!.Report(new Problem(
            path is null ? _repository.Root : Path.Combine(_repository.Root, path),
            $"commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]}: git cannot read object {id} ({message.Trim()}); the commit's changes{(path is null ? "" : " to this file")} were not scanned, the rest of the history was"));
    }

    /// <summary>The object id a git failure names as missing or unreadable, or null for any other failure.</summary>
    private static string? Unreadable(string message) => UnreadableObject().Match(message) is { Success: true } m ? m.Groups["id"].Value : null;

    [GeneratedRegex(@"(?:unable to read|bad object|missing (?:blob|tree|object)|could not read|invalid object)\s+(?<id>[0-9a-f]{40}(?:[0-9a-f]{24})?)", RegexOptions.IgnoreCase)]
    private static partial Regex UnreadableObject();

    public void Dispose()
    {
        if (_started is { } started)
        {
            // Started and never read: git would wait on a full pipe for ever.
            _started = null;
            Kill(started.Process);
            started.Process.WaitForExit();
            started.Process.Dispose();
        }

        _blobs.Dispose();
    }

    // The git log revisions of each part, and whether its commits are only learned from.
    private List<(string[] Revisions, bool LearnOnly)> Parts()
    {
        if (!HasCommits()) return [];
        if (_selection.All) return [(["--all"], false)];
        // The learned-from part is the newest LearnLimit commits before the range (git limits before it reverses), oldest first.
        var limit = "--max-count=" + _selection.LearnLimit.ToString(CultureInfo.InvariantCulture);
        List<(string[] Revisions, bool LearnOnly)> parts;
        if (_selection.Range is { } range)
        {
            var (from, to) = SplitRange(range);
            parts = [([limit, from], true), ([$"{from}..{to}"], false)];
        }
        else if (_selection.Since is { } since)
        {
            parts = [([limit, "--before=" + since, "HEAD"], true), (["--since=" + since, "HEAD"], false)];
        }
        else
        {
            return [(["HEAD"], false)];
        }

        return _selection.LearnLimit > 0 ? parts : [.. parts.Where(p => !p.LearnOnly)];
    }

    private bool HasCommits() => _selection.All || _repository.IsCommit("HEAD");

    private void Validate()
    {
        if (_selection.Since is { } since) ValidateDate(since);
        if (_selection.Range is not { } range) return;
        var (from, to) = SplitRange(range);
        foreach (var revision in new[] { from, to }.Where(r => !_repository.IsCommit(r)))
        {
            throw new GitException($"--range {range}: '{revision}' is not a commit of {_repository.Root}");
        }
    }

    // git reads any text as a date, and what it cannot read as now: a typo would scan nothing and pass the gate.
    private void ValidateDate(string since)
    {
        if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)) return;
        var text = _repository.Run(["rev-parse", "--since=" + since], allowFailure: true)?.Trim() ?? string.Empty;
        var read = text.StartsWith("--max-age=", StringComparison.Ordinal)
            && long.TryParse(text["--max-age=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        var meansNow = since.Trim().Equals("now", StringComparison.OrdinalIgnoreCase);
        if (read is null || (!meansNow && read >= DateTimeOffset.UtcNow.AddSeconds(-5)))
        {
            throw new GitException($"--since {since}: not a date (use 2026-01-31, 2026-01-31T08:00:00Z or \"2 weeks ago\")");
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
        var pseudo = new GitCommit(StagedSha, head is null ? [] : [head], ident, ident, StagedMessage, SignatureState.Unknown, []);
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

    private IEnumerable<GitCommit> Stream(string[] args, GitCommit? pseudo, CancellationToken cancellationToken, IReadOnlyList<string>? input = null)
    {
        Process process;
        Task<string> errors;
        if (input is null && _started is { } started && started.Args.AsSpan().SequenceEqual(args))
        {
            // The walk Start began.
            (process, errors) = (started.Process, started.Errors);
            _started = null;
        }
        else
        {
            process = _repository.Start(args, input: input is not null);
            if (input is not null)
            {
                // git reads all of standard input before it writes anything: no deadlock in writing it first.
                foreach (var sha in input) process.StandardInput.Write(sha + "\n");
                process.StandardInput.Close();
            }

            errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        }

        using var owned = process;
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
