using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

public sealed class GitHistorySourceTests : IDisposable
{
    private readonly TestRepository _repo = new();

    [Fact]
    public void Commits_come_oldest_first_with_author_dates_parents_and_added_lines_numbered_in_the_new_file()
    {
        var first = _repo.Write("app/config.txt", "alpha\nbeta\ngamma\n").Commit("first");
        var second = _repo.Write("app/config.txt", "alpha\nBETA\ngamma\ndelta\n").Commit("second", "Eve Ops <eve@example.com>");

        var commits = Scan.Commits(_repo.Path);

        Assert.Equal([first, second], commits.Select(c => c.Commit.Sha));
        Assert.All(commits, c => Assert.False(c.LearnOnly));
        var (one, two) = (commits[0].Commit, commits[1].Commit);
        Assert.Empty(one.Parents);
        Assert.Equal([first], two.Parents);
        Assert.Equal("second", two.Subject);
        Assert.Equal(new GitIdentity("Eve Ops", "eve@example.com", TestRepository.Start.AddHours(1)), two.Author);
        Assert.Equal(TestRepository.Start.AddHours(1), two.Committer.When);
        var added = Assert.Single(one.Files);
        Assert.Equal(("app/config.txt", FileChangeKind.Added, 3, 0), (added.Path, added.Kind, added.LinesAdded, added.LinesDeleted));
        Assert.Null(added.OldBlob);
        Assert.Equal([new AddedLine(1, "alpha"), new AddedLine(2, "beta"), new AddedLine(3, "gamma")], added.Added);
        var changed = Assert.Single(two.Files);
        Assert.Equal((FileChangeKind.Modified, 2, 1), (changed.Kind, changed.LinesAdded, changed.LinesDeleted));
        Assert.Equal(added.NewBlob, changed.OldBlob);
        Assert.Equal([new AddedLine(2, "BETA"), new AddedLine(4, "delta")], changed.Added);
    }

    [Fact]
    public void Blob_ids_are_the_ones_git_stores()
    {
        _repo.Write("a.txt", "hello\n").Commit("a");

        var file = Assert.Single(Assert.Single(Scan.Commits(_repo.Path)).Commit.Files);

        Assert.Equal(_repo.Git("rev-parse", "HEAD:a.txt").Trim(), file.NewBlob);
    }

    [Fact]
    public void A_rename_with_a_change_reports_the_old_path_and_only_the_changed_line()
    {
        var body = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i} of a file long enough to be seen as renamed")) + "\n";
        _repo.Write("old/name.txt", body).Commit("add");
        File.Delete(Path.Combine(_repo.Path, "old/name.txt"));
        _repo.Write("new/name.txt", body.Replace("line 7 of", "LINE 7 OF", StringComparison.Ordinal)).Commit("move");

        var moved = Assert.Single(Scan.Commits(_repo.Path)[1].Commit.Files);

        Assert.Equal((FileChangeKind.Renamed, "new/name.txt", "old/name.txt"), (moved.Kind, moved.Path, moved.OldPath));
        Assert.Equal([new AddedLine(7, "LINE 7 OF a file long enough to be seen as renamed")], moved.Added);
    }

    [Fact]
    public void Binary_files_are_flagged_and_have_no_added_lines()
    {
        _repo.WriteBytes("logo.png", [0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0x49, 0x48]).Write("readme.md", "hi\n").Commit("add");

        var files = Assert.Single(Scan.Commits(_repo.Path)).Commit.Files;

        var binary = Assert.Single(files, f => f.Path == "logo.png");
        Assert.True(binary.Binary);
        Assert.Empty(binary.Added);
        Assert.NotNull(binary.NewBlob);
        Assert.False(Assert.Single(files, f => f.Path == "readme.md").Binary);
    }

    [Fact]
    public void Deleted_files_have_no_new_blob_and_no_added_lines()
    {
        _repo.Write("gone.txt", "x\ny\n").Write("keep.txt", "k\n").Commit("add");
        _repo.Delete("gone.txt").Commit("remove");

        var removed = Assert.Single(Scan.Commits(_repo.Path)[1].Commit.Files);

        Assert.Equal((FileChangeKind.Deleted, "gone.txt", 0, 2), (removed.Kind, removed.Path, removed.LinesAdded, removed.LinesDeleted));
        Assert.Null(removed.NewBlob);
        Assert.Empty(removed.Added);
    }

    [Fact]
    public void A_file_turned_into_a_symlink_is_one_type_change_whose_added_line_is_the_link_target()
    {
        _repo.Write("current.cfg", "a=1\n").Write("v2.cfg", "a=2\n").Commit("files");
        File.Delete(Path.Combine(_repo.Path, "current.cfg"));
        File.CreateSymbolicLink(Path.Combine(_repo.Path, "current.cfg"), "v2.cfg");
        _repo.Commit("link");

        var changed = Assert.Single(Scan.Commits(_repo.Path)[1].Commit.Files);

        Assert.Equal((FileChangeKind.TypeChanged, "current.cfg"), (changed.Kind, changed.Path));
        Assert.Equal([new AddedLine(1, "v2.cfg")], changed.Added);
    }

    [Fact]
    public void Paths_with_spaces_quotes_and_non_ascii_letters_are_read_as_written()
    {
        _repo.Write("dir with space/naïve \"quoted\".txt", "one\n").Commit("odd names");

        var file = Assert.Single(Assert.Single(Scan.Commits(_repo.Path)).Commit.Files);

        Assert.Equal("dir with space/naïve \"quoted\".txt", file.Path);
        Assert.Equal([new AddedLine(1, "one")], file.Added);
    }

    [Fact]
    public void A_merge_is_diffed_against_its_first_parent_and_comes_after_both_parents()
    {
        var root = _repo.Write("main.txt", "m\n").Commit("root");
        _repo.Checkout("feature", create: true);
        var feature = _repo.Write("feature.txt", "f\n").Commit("feature");
        _repo.Checkout("main");
        var mainline = _repo.Write("main.txt", "m\nm2\n").Commit("mainline");
        var merge = _repo.Merge("feature");

        var commits = Scan.Commits(_repo.Path).Select(c => c.Commit).ToList();

        Assert.Equal(root, commits[0].Sha);
        Assert.Equal(merge, commits[^1].Sha);
        Assert.Equal([mainline, feature], commits[^1].Parents);
        Assert.True(commits[^1].IsMerge);
        var brought = Assert.Single(commits[^1].Files);
        Assert.Equal(("feature.txt", FileChangeKind.Added), (brought.Path, brought.Kind));
        Assert.Equal([new AddedLine(1, "f")], brought.Added);
    }

    [Fact]
    public void Range_reads_the_history_before_it_as_learn_only_and_its_own_commits_for_scanning()
    {
        var a = _repo.Write("a.txt", "1\n").Commit("a");
        var b = _repo.Write("a.txt", "1\n2\n").Commit("b");
        var c = _repo.Write("a.txt", "1\n2\n3\n").Commit("c");
        var d = _repo.Write("a.txt", "1\n2\n3\n4\n").Commit("d");

        var commits = Scan.Commits(_repo.Path, new GitSelection(Range: $"{b}..{d}"));

        Assert.Equal([(a, true), (b, true), (c, false), (d, false)], commits.Select(x => (x.Commit.Sha, x.LearnOnly)));
    }

    [Fact]
    public void Learning_before_a_range_is_limited_to_the_newest_commits_before_it_and_can_be_turned_off()
    {
        _repo.Write("a.txt", "1\n").Commit("a");
        var b = _repo.Write("a.txt", "1\n2\n").Commit("b");
        var c = _repo.Write("a.txt", "1\n2\n3\n").Commit("c");
        var d = _repo.Write("a.txt", "1\n2\n3\n4\n").Commit("d");

        var one = Scan.Commits(_repo.Path, new GitSelection(Range: $"{c}..{d}", LearnLimit: 2));
        var none = Scan.Commits(_repo.Path, new GitSelection(Range: $"{c}..{d}", LearnLimit: 0));

        Assert.Equal([(b, true), (c, true), (d, false)], one.Select(x => (x.Commit.Sha, x.LearnOnly)));
        Assert.Equal([(d, false)], none.Select(x => (x.Commit.Sha, x.LearnOnly)));
    }

    [Fact]
    public void Since_scans_commits_from_the_date_and_learns_from_earlier_ones()
    {
        var early = _repo.Write("a.txt", "1\n").Commit("early");
        var late = _repo.Write("a.txt", "1\n2\n").Commit("late");
        var since = TestRepository.Start.AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

        var commits = Scan.Commits(_repo.Path, new GitSelection(Since: since));

        Assert.Equal([(early, true), (late, false)], commits.Select(x => (x.Commit.Sha, x.LearnOnly)));
    }

    [Theory]
    [InlineData("whole")]
    [InlineData("range")]
    [InlineData("since")]
    public void A_history_started_before_it_is_read_reads_the_same_commits(string selection)
    {
        var a = _repo.Write("a.txt", "1\n").Commit("a");
        _repo.Write("a.txt", "1\n2\n").Write("b.txt", "x\n").Commit("b");
        _repo.Write("a.txt", "1\n2\n3\n").Commit("c");
        var d = _repo.Write("b.txt", "y\n").Commit("d");
        var chosen = selection switch
        {
            "range" => new GitSelection(Range: $"{a}..{d}"),
            "since" => new GitSelection(Since: TestRepository.Start.AddMinutes(90).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)),
            _ => GitSelection.Default,
        };

        var read = Scan.Commits(_repo.Path, chosen);
        using var source = new GitHistorySource(GitRepository.Open(_repo.Path), chosen);
        source.Start();
        source.Start();
        var started = source.Read(TestContext.Current.CancellationToken).ToList();

        Assert.Equal(4, started.Count);
        Assert.Equal(Describe(read), Describe(started));
        Assert.Equal(4, source.CountCommits());
    }

    [Fact]
    public void A_history_started_and_never_read_stops_its_git_when_disposed()
    {
        // More history than a pipe holds: git waits on its output until it is stopped.
        for (var i = 0; i < 40; i++) _repo.Write("big.txt", string.Concat(Enumerable.Range(0, 400).Select(n => $"line {n} of version {i}\n"))).Commit($"v{i}");
        var source = new GitHistorySource(GitRepository.Open(_repo.Path), GitSelection.Default);
        source.Start();
        var git = source.StartedGit!.Id;
        Assert.False(System.Diagnostics.Process.GetProcessById(git).HasExited);

        source.Dispose();

        // Stopped and reaped: no such process any more.
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(git));
    }

    [Fact]
    public void Starting_staged_changes_or_an_empty_repository_starts_nothing()
    {
        using var empty = new GitHistorySource(GitRepository.Open(_repo.Path), GitSelection.Default);
        empty.Start();
        Assert.Null(empty.StartedGit);
        Assert.Empty(empty.Read(TestContext.Current.CancellationToken));

        _repo.Write("a.txt", "1\n").Commit("a");
        _repo.Write("a.txt", "1\n2\n");
        _repo.Git("add", "a.txt");
        using var staged = new GitHistorySource(GitRepository.Open(_repo.Path), new GitSelection(Staged: true));
        staged.Start();
        Assert.Null(staged.StartedGit);
        Assert.Equal([new AddedLine(2, "2")], Assert.Single(Assert.Single(staged.Read(TestContext.Current.CancellationToken)).Commit.Files).Added);
    }

    private static List<string> Describe(IEnumerable<SourcedCommit> commits) =>
        [.. commits.Select(c => $"{c.Commit.Sha} {c.LearnOnly} {string.Join(",", c.Commit.Files.Select(f => $"{f.Path}:{f.NewBlob}:{string.Join("|", f.Added.Select(l => l.Number + l.Text))}"))}")];

    [Fact]
    public void All_reads_commits_of_every_branch_while_the_default_reads_only_head()
    {
        var root = _repo.Write("a.txt", "1\n").Commit("root");
        _repo.Checkout("side", create: true);
        var side = _repo.Write("b.txt", "2\n").Commit("side only");
        _repo.Checkout("main");

        Assert.Equal([root], Scan.Commits(_repo.Path).Select(c => c.Commit.Sha));
        Assert.Equal([root, side], Scan.Commits(_repo.Path, new GitSelection(All: true)).Select(c => c.Commit.Sha));
    }

    [Fact]
    public void Staged_reads_the_index_against_head_as_one_commit_without_an_id()
    {
        var head = _repo.Write("a.txt", "1\n").Commit("root");
        _repo.Write("a.txt", "1\nstaged\n").Write("new.txt", "n\n");
        _repo.Git("add", "a.txt", "new.txt");
        _repo.Write("a.txt", "1\nstaged\nnot staged\n");

        var commit = Assert.Single(Scan.Commits(_repo.Path, new GitSelection(Staged: true))).Commit;

        Assert.Equal(GitHistorySource.StagedSha, commit.Sha);
        Assert.Equal([head], commit.Parents);
        Assert.Equal([new AddedLine(2, "staged")], Assert.Single(commit.Files, f => f.Path == "a.txt").Added);
        Assert.Equal([new AddedLine(1, "n")], Assert.Single(commit.Files, f => f.Path == "new.txt").Added);
    }

    [Fact]
    public void Staged_in_a_repository_without_commits_reads_every_staged_file()
    {
        _repo.Write("first.txt", "hello\n");
        _repo.Git("add", "first.txt");

        var commit = Assert.Single(Scan.Commits(_repo.Path, new GitSelection(Staged: true))).Commit;

        Assert.Empty(commit.Parents);
        Assert.Equal([new AddedLine(1, "hello")], Assert.Single(commit.Files).Added);
    }

    [Fact]
    public void A_repository_without_commits_has_no_history_to_read()
    {
        Assert.Empty(Scan.Commits(_repo.Path));
    }

    [Fact]
    public void A_range_naming_no_commit_is_refused_with_the_revision_named()
    {
        _repo.Write("a.txt", "1\n").Commit("a");

        var error = Assert.Throws<GitException>(() => new GitHistorySource(GitRepository.Open(_repo.Path), new GitSelection(Range: "nope..HEAD")));

        Assert.Contains("'nope' is not a commit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_outside_any_repository_is_refused()
    {
        using var plain = new TempFolder();

        var error = Assert.Throws<GitException>(() => GitRepository.Open(plain.Path));

        Assert.Contains("not a git repository", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repository_name_comes_from_the_origin_remote()
    {
        _repo.Git("remote", "add", "origin", "git@github.com:acme/payments-api.git");

        Assert.Equal("acme/payments-api", GitRepository.Open(_repo.Path).Name);
    }

    [Fact]
    public void Blobs_are_read_as_text_and_binary_or_missing_ones_are_null()
    {
        _repo.Write("a.txt", "héllo\nworld\n").WriteBytes("b.bin", [1, 0, 2]).Commit("add");
        using var source = new GitHistorySource(GitRepository.Open(_repo.Path), GitSelection.Default);
        var files = Assert.Single(source.Read(TestContext.Current.CancellationToken)).Commit.Files;

        Assert.Equal("héllo\nworld\n", source.Blobs.ReadText(files.Single(f => f.Path == "a.txt").NewBlob!));
        Assert.Null(source.Blobs.ReadText(files.Single(f => f.Path == "b.bin").NewBlob!));
        Assert.Null(source.Blobs.ReadText("0123456789012345678901234567890123456789"));
        Assert.Equal("héllo\nworld\n", source.Blobs.ReadText(files.Single(f => f.Path == "a.txt").NewBlob!));
    }

    public void Dispose() => _repo.Dispose();
}
