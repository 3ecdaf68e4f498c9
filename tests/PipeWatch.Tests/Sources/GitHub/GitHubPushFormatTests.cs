using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubPushFormatTests
{
    [Fact]
    public async Task A_push_to_the_default_branch_becomes_one_commit_event_with_pusher_author_files_and_offset()
    {
        var (events, problems) = await PayloadFiles.ReadAsync(Corpus.File("github-webhooks", "push", "with-new-branch.payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal((EventKind.Commit, "github.push", "Codertocat/Hello-World", "master"), (e.Kind, e.Dataset, e.Ci.Repository, e.Ci.Branch));
        Assert.Equal("commit:Codertocat/Hello-World:6113728f27ae82c7b1a177c8d03f9e96e0adf246", e.Id);
        var commit = e.Commit!;
        Assert.Equal(new CommitPerson("Codertocat", "21031067+Codertocat@users.noreply.github.com", "Codertocat", PayloadFiles.Utc("2019-05-15T15:19:25Z")), commit.Author);
        Assert.Equal(new CommitPerson("Codertocat", "21031067+Codertocat@users.noreply.github.com"), commit.Pusher! with { Login = null });
        Assert.Equal([new CommitFile("README.md", CommitFileChange.Added)], commit.Files);
        Assert.Equal((true, false, CommitSignature.Unknown, (int?)null), (commit.ToDefaultBranch, commit.Forced, commit.Signature, commit.LinesDeleted));
        Assert.Equal("Initial commit", commit.Subject);
    }

    [Fact]
    public async Task A_committer_without_a_username_keeps_name_and_email()
    {
        var (events, _) = await PayloadFiles.ReadAsync(Corpus.File("github-webhooks", "push", "with-no-username-committer.payload.json"));

        Assert.Equal(new CommitPerson("Codertocat", "21031067+Codertocat@users.noreply.github.com", null, PayloadFiles.Utc("2019-05-15T15:19:25Z")), Assert.Single(events).Commit!.Committer);
    }

    [Fact]
    public async Task A_tag_push_without_commits_yields_no_event_and_no_problem()
    {
        var (events, problems) = await PayloadFiles.ReadAsync(Corpus.File("github-webhooks", "push", "payload.json"));

        Assert.Empty(events);
        Assert.Empty(problems);
    }
}
