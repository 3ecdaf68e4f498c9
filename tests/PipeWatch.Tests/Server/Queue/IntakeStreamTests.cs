using System.Text;
using PipeWatch.Server.Intake;
using PipeWatch.Server.Queue;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Queue;

/// <summary>How a payload finds its partition, and how an intake item travels as a JetStream message.</summary>
public sealed class IntakeStreamTests
{
    [Fact]
    public void A_repository_has_the_same_partition_in_every_process_and_case()
    {
        // Pinned: a change here moves every repository of every running estate to another partition.
        Assert.Equal(IntakeStream.Partition("Octo-Org/Hello-World", 16), IntakeStream.Partition("octo-org/hello-world", 16));
        Assert.Equal(PinnedPartitions, Enumerable.Range(0, 5).Select(i => IntakeStream.Partition($"estate/repo-{i}", 16)).ToArray());
    }

    [Fact]
    public void Many_repositories_spread_over_every_partition()
    {
        var counts = new int[16];
        for (var i = 0; i < 10_000; i++) counts[IntakeStream.Partition($"estate/repo-{i}", 16)]++;
        Assert.All(counts, c => Assert.InRange(c, 10_000 / 16 * 8 / 10, 10_000 / 16 * 12 / 10));
    }

    [Fact]
    public void The_repository_comes_from_GitHub_GitLab_and_JSON_Lines_payloads()
    {
        Assert.Equal("Codertocat/Hello-World", IntakeStream.RepositoryOf(File.ReadAllBytes(Corpus.File("github-webhooks", "member", "added.payload.json"))));
        Assert.Equal("acme/app", IntakeStream.RepositoryOf("""{"object_kind":"push","project":{"path_with_namespace":"acme/app"},"repository":{"name":"app"}}"""u8.ToArray()));
        Assert.Equal("acme/api", IntakeStream.RepositoryOf(Encoding.UTF8.GetBytes("{\"ci.repository\":\"acme/api\"}\n{\"ci.repository\":\"acme/other\"}\n")));
        Assert.Equal(string.Empty, IntakeStream.RepositoryOf("""{"zen":"Keep it logically awesome."}"""u8.ToArray()));
        Assert.Equal(string.Empty, IntakeStream.RepositoryOf("[1,2,3]"u8.ToArray()));
    }

    [Fact]
    public void An_item_survives_the_trip_through_headers_with_odd_characters_escaped()
    {
        var item = new IntakeItem(IntakeKinds.Payload, "gitlab", "6f2c-uuid", "gitlab:Push Hook é", "webhook:gitlab/6f2c-uuid", [1, 2, 3], 1_765_000_000_000);
        var back = IntakeStream.Item(IntakeStream.Headers(item), item.Body);
        Assert.Equal(item with { Body = [] }, back! with { Body = [] });
        Assert.Equal(item.Body, back.Body);
        Assert.Equal("gitlab:6f2c-uuid", IntakeStream.MessageId(item));
        Assert.Null(IntakeStream.MessageId(item with { Delivery = null }));
        Assert.Null(IntakeStream.Item(new NATS.Client.Core.NatsHeaders(), [1]));
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222", true)]
    [InlineData("nats://a:4222,nats://b:4222", true)]
    [InlineData("http://127.0.0.1:4222", false)]
    [InlineData("nats://user:secret@host:4222", false)]
    [InlineData("", false)]
    public void Queue_locations_are_NATS_URLs_without_credentials(string text, bool valid)
    {
        Assert.Equal(valid, QueueAddress.TryParse(text, out var address, out var problem));
        Assert.Equal(valid, address is not null);
        Assert.Equal(valid, problem is null);
    }

    private static readonly int[] PinnedPartitions = [10, 1, 14, 7, 0];
}
