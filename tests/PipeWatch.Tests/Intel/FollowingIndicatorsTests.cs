using System.Net;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Intel;

/// <summary>The engine's indicators following a store file: an <c>intel import</c> or <c>intel remove</c> by another process is put in force at the next round, and only then.</summary>
public sealed class FollowingIndicatorsTests : IDisposable
{
    private static readonly IPAddress C2 = IPAddress.Parse("198.51.100.23");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_import_and_a_removal_by_another_process_are_put_in_force_at_the_next_round_and_nothing_else_rebuilds()
    {
        var path = _temp.File("store.db");
        SqliteStore.Open(path).Dispose();
        var time = new FakeTimeProvider(Ingest.Now);
        var problems = new ProblemLog();
        using var following = new FollowingIndicators(() => SqliteStore.Open(path), ownsEach: true, time, TimeSpan.FromSeconds(10), problems);
        var index = following.Index;
        Assert.Null(index.Current.Ip(C2));

        await File.WriteAllTextAsync(_temp.File("c2.txt"), C2 + "\n", TestContext.Current.CancellationToken);
        var cli = new CliRunner(_temp.Path) { Now = Ingest.Now };
        Assert.Equal(0, (await cli.RunAsync("intel", "import", "--store", path, "c2.txt")).ExitCode);

        Assert.True(following.Follow());
        Assert.Equal("c2.txt", index.Current.Ip(C2)?.Feed);
        Assert.False(following.Follow());

        Assert.Equal(0, (await cli.RunAsync("intel", "remove", "--store", path, "c2.txt")).ExitCode);
        Assert.True(following.Follow());
        Assert.Null(index.Current.Ip(C2));
        Assert.Equal(2, following.Rebuilt);
        Assert.Empty(problems.Problems);
    }
}
