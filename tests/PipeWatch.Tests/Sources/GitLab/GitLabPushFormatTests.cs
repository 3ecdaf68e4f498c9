using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.GitLab;

public sealed class GitLabPushFormatTests
{
    [Fact]
    public async Task A_gitlab_push_hook_becomes_commit_events_with_the_pushing_user_and_author_offsets()
    {
        var (events, problems) = await PayloadFiles.ReadAsync(Corpus.File("gitlab-webhooks", "push.json"));

        Assert.Empty(problems);
        Assert.All(events, e => Assert.Equal((EventKind.Commit, "gitlab.push", "mike/diaspora", "master", "jsmith"), (e.Kind, e.Dataset, e.Ci.Repository, e.Ci.Branch, e.UserName)));
        var first = events[0].Commit!;
        Assert.Equal("b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327", first.Sha);
        Assert.Equal(new CommitPerson("Jordi Mallach", "jordi@softcatala.org", null, new DateTimeOffset(2011, 12, 12, 14, 27, 31, TimeSpan.FromHours(2))), first.Author);
        Assert.Equal(TimeSpan.FromHours(2), first.Author.When!.Value.Offset);
        Assert.Equal(new CommitPerson("John Smith", "john@example.com", "jsmith"), first.Pusher);
        Assert.Equal([new CommitFile("CHANGELOG", CommitFileChange.Added), new CommitFile("app/controller/application.rb", CommitFileChange.Modified)], first.Files);
        Assert.True(first.ToDefaultBranch);
    }
}
