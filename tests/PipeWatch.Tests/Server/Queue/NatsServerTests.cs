using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Queue;

/// <summary>The test fixture itself: a real nats-server with JetStream that keeps its streams across a restart on the same port.</summary>
public sealed class NatsServerTests
{
    [Fact]
    public async Task A_message_stored_before_a_restart_is_there_after_it_on_the_same_port()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new NatsServer();
        await using (var connection = new NatsConnection(new NatsOpts { Url = server.Url }))
        {
            var js = new NatsJSContext(connection);
            await js.CreateStreamAsync(new StreamConfig("FIXTURE", ["fixture.>"]) { Storage = StreamConfigStorage.File }, ct);
            var ack = await js.PublishAsync("fixture.one", "stored"u8.ToArray(), cancellationToken: ct);
            ack.EnsureSuccess();
        }

        server.Stop();
        Assert.False(server.Running);
        server.Start();

        await using var again = new NatsConnection(new NatsOpts { Url = server.Url });
        var stream = await new NatsJSContext(again).GetStreamAsync("FIXTURE", cancellationToken: ct);
        Assert.Equal(1L, (long)stream.Info.State.Messages);
        Assert.StartsWith("nats://127.0.0.1:", server.Url, StringComparison.Ordinal);
        // Not a port an outgoing connection could take while the server was down.
        if (ServiceProcess.EphemeralPorts().Low > 20_001) Assert.InRange(server.Port, 20_000, ServiceProcess.EphemeralPorts().Low - 1);
    }
}
