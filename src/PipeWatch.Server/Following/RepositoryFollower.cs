using System.Diagnostics;
using System.Text;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Engine;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Git;
using PipeWatch.Store;

namespace PipeWatch.Server.Following;

/// <summary>
/// One followed repository: a bare mirror under the store's folder, fetched (never cloned again) on each push or poll, and the
/// pushed commits scanned with the <c>scan</c> detectors into the store. Fetches and scans of one repository run one at a time.
/// </summary>
internal sealed class RepositoryFollower(FollowedRepository repository, string mirrors, ServerSettings settings, string storePath, ServerMetrics metrics)
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15)];
    private readonly SemaphoreSlim _one = new(1, 1);

    public FollowedRepository Repository => repository;

    /// <summary>The mirror's folder.</summary>
    public string Mirror { get; } = Path.Combine(mirrors, string.Concat(repository.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')) + ".git");

    /// <summary>Fetches, then scans the commits the push brought: <c>before..after</c>; a new branch, what is not on the default branch; a force push, what is not reachable from before.</summary>
    public async Task OnPushAsync(Push push, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await FetchWithRetriesAsync(cancellationToken).ConfigureAwait(false)) return;
            if (push.After == Push.Zero) return; // a deleted branch brings no commits
            var git = GitRepository.Open(Mirror);
            if (!git.IsCommit(push.After))
            {
                settings.Problems.Report(new Problem(repository.Name, $"push to {push.Ref}: commit {push.After} is not in the mirror after fetching"));
                return;
            }

            // A force push: GitHub says so; for GitLab (and as a check) the old head is no longer an ancestor of the new one.
            var forced = push.Before != Push.Zero && git.IsCommit(push.Before)
                && (push.Forced || git.Run(["rev-list", "--count", $"{push.After}..{push.Before}"], allowFailure: true)?.Trim() is { } gone && gone != "0");
            string range;
            if (push.Before == Push.Zero || !git.IsCommit(push.Before))
            {
                var head = git.Run(["symbolic-ref", "--quiet", "HEAD"], allowFailure: true)?.Trim();
                range = head is { Length: > 0 } && git.IsCommit(head) && head != push.Ref ? $"{head}..{push.After}" : push.After;
            }
            else
            {
                // A force push's old commits are not reachable from after: before..after is then exactly the new ones.
                range = $"{push.Before}..{push.After}";
            }

            await ScanAsync(git, range, cancellationToken).ConfigureAwait(false);
            if (forced) await ReportForcedPushAsync(git, push, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Fetches and scans what is new on every branch, at the configured interval, until stopped.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(repository.Poll!.Value, settings.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var before = Directory.Exists(Mirror) ? Heads() : [];
                if (!await FetchWithRetriesAsync(cancellationToken).ConfigureAwait(false)) continue;
                var git = GitRepository.Open(Mirror);
                foreach (var (name, sha) in Heads())
                {
                    if (before.TryGetValue(name, out var old) && old == sha) continue;
                    await ScanAsync(git, old is null ? sha : $"{old}..{sha}", cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _one.Release();
            }
        }
    }

    private Dictionary<string, string> Heads()
    {
        var output = GitRepository.Open(Mirror).Run(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"], allowFailure: true) ?? "";
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }

    private async Task ScanAsync(GitRepository git, string range, CancellationToken cancellationToken)
    {
        // Its own connection to the store: SQLite serializes its batches with the engine's.
        using var store = StoreFactory.Open(storePath);
        using var source = new GitHistorySource(git, new GitSelection(Range: range), settings.Problems);
        var builder = new PipelineBuilder(store).WithConfig(settings.Config).WithInventory().WithTime(settings.Time).WithProblems(settings.Problems)
            .WithScanOptions(new ScanOptions { Workers = 1, Signals = settings.Config.Signals });
        // With a GitHub token, the workflow checks that ask GitHub (impostor commits, ref confusion…) run too, one answer per question per scan.
        using var online = OnlineWorkflowScan.Add(builder, settings);
        await builder.BuildScan().RunAsync(source, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The force push itself, as <c>ingest</c> reports a forced GitHub push webhook: the new head as a commit event that came in a
    /// forced push (with the pusher, and whether it went to the default branch) through the author detector, which reports a forced
    /// push to the default branch (<c>code-change.unauthorized-author</c>, fingerprinted by repository and commit, high). A push that
    /// only rewound the branch brings no commit to scan, and is reported this way too.
    /// </summary>
    private async Task ReportForcedPushAsync(GitRepository git, Push push, CancellationToken cancellationToken)
    {
        var fields = git.Run(["show", "-s", "--format=%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%s", push.After], allowFailure: true)?.TrimEnd('\n').Split('\0');
        if (fields is not { Length: 7 }) return;
        var branch = push.Ref.StartsWith("refs/heads/", StringComparison.Ordinal) ? push.Ref["refs/heads/".Length..] : null;
        var head = git.Run(["symbolic-ref", "--quiet", "--short", "HEAD"], allowFailure: true)?.Trim();
        var defaultBranch = push.DefaultBranch ?? (head is { Length: > 0 } ? head : null);
        var commit = new CommitInfo(
            push.After,
            new CommitPerson(fields[0], fields[1], null, Time(fields[2])),
            new CommitPerson(fields[3], fields[4], null, Time(fields[5])),
            push.Pusher is null ? null : new CommitPerson(null, null, push.Pusher),
            CommitSignature.Unknown,
            [],
            null,
            null,
            Forced: true,
            ToDefaultBranch: branch is not null && branch == defaultBranch,
            Subject: fields[6]);
        // Its own event id: the push, not the commit (the ledger may have the commit already, from the webhook or an earlier push).
        var e = CommitEvents.Of(commit, repository.Name, "git.forced-push", "git", branch, new Origin(repository.Name)) with { Id = $"forced-push:{repository.Name}:{push.Before}..{push.After}" };
        using var store = StoreFactory.Open(storePath);
        var engine = new PipelineBuilder(store).WithConfig(settings.Config).WithInventory().WithTime(settings.Time).WithProblems(settings.Problems)
            .WithDetectors([new UnauthorizedAuthorDetector(settings.Config.Options<UnauthorizedAuthorOptions>())]).Build();
        await engine.RunAsync([new EventList([e])], null, cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset? Time(string text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var when) ? when : null;

    private async Task<bool> FetchWithRetriesAsync(CancellationToken cancellationToken)
    {
        string? error = null;
        for (var attempt = 0; attempt <= Backoff.Length; attempt++)
        {
            if (attempt > 0) await Task.Delay(Backoff[attempt - 1], settings.Time, cancellationToken).ConfigureAwait(false);
            error = await FetchAsync(cancellationToken).ConfigureAwait(false);
            if (error is null) return true;
        }

        metrics.FollowFailures.WithLabels("fetch").Inc();
        settings.Problems.Report(new Problem(repository.Name, $"fetch from {Shown(repository.Url)} failed after {Backoff.Length + 1} attempts: {error}"));
        return false;
    }

    /// <summary>Clones the mirror the first time, fetches into it after; null when it worked, else git's complaint.</summary>
    private async Task<string?> FetchAsync(CancellationToken cancellationToken)
    {
        var fresh = !Directory.Exists(Mirror);
        string[] args = fresh
            ? ["clone", "--mirror", "--quiet", "--", repository.Url, Mirror]
            : ["-C", Mirror, "fetch", "--prune", "--quiet", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
        var info = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        if (repository.CredentialsVariable is { } variable && settings.Environment(variable) is { Length: > 0 } token)
        {
            // The token goes in an HTTP header through git's environment config, never in a command line or the mirror's config.
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"x-access-token:{token}"));
            info.Environment["GIT_CONFIG_COUNT"] = "1";
            info.Environment["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            info.Environment["GIT_CONFIG_VALUE_0"] = $"Authorization: Basic {basic}";
        }

        if (fresh) Directory.CreateDirectory(Path.GetDirectoryName(Mirror)!);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var message = (await stderr.ConfigureAwait(false)).Trim();
        if (process.ExitCode == 0) return null;
        if (fresh && Directory.Exists(Mirror)) Directory.Delete(Mirror, recursive: true);
        return message.Length > 300 ? message[..300] : message.Length == 0 ? $"git exited with {process.ExitCode}" : message;
    }

    /// <summary>A URL without any user information in it.</summary>
    private static string Shown(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? url.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal) : url;
}

/// <summary>Events already made, as a source.</summary>
internal sealed class EventList(IReadOnlyList<Event> events) : ISource
{
    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
