using Microsoft.Extensions.Time.Testing;
using PipeWatch.Diagnostics;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Batching;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Batching;

public sealed class BatchingSinkTests
{
    private readonly FakeTimeProvider _time = new(Ingest.Now);
    private readonly ProblemLog _problems = new();

    [Fact]
    public async Task Alerts_go_out_in_batches_of_the_configured_size_and_the_end_sends_the_rest()
    {
        var transport = new RecordingTransport();
        var sink = Sink(transport, new BatchingSinkOptions { MaxBatchSize = 3, FlushInterval = TimeSpan.FromMinutes(1) });

        await sink.EmitAsync(Alerts(7), TestContext.Current.CancellationToken);
        var result = await sink.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal([3, 3, 1], transport.Batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"f{i}"), transport.Batches.SelectMany(b => b).Select(a => a.Finding.Fingerprint));
        Assert.Equal(7, sink.Delivered);
    }

    [Fact]
    public async Task A_lone_alert_goes_out_once_the_flush_interval_is_up_with_no_further_input()
    {
        var transport = new RecordingTransport();
        var sink = Sink(transport, new BatchingSinkOptions { MaxBatchSize = 100, FlushInterval = TimeSpan.FromSeconds(2) });

        await sink.EmitAsync(Alerts(1), TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(transport.Batches);
        await AdvanceUntilAsync(() => transport.Batches.Count == 1, TimeSpan.FromMilliseconds(500));

        Assert.Equal(1, sink.Delivered);
        await sink.CompleteAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_batch_that_fails_once_is_retried_and_delivered_exactly_once()
    {
        var transport = new RecordingTransport(DeliveryResult.Retry("HTTP 500"), DeliveryResult.Delivered);
        var sink = Sink(transport, new BatchingSinkOptions { FlushInterval = TimeSpan.Zero, FirstRetryDelay = TimeSpan.FromSeconds(1) });

        await sink.EmitAsync(Alerts(2), TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(() => sink.Delivered == 2, TimeSpan.FromMilliseconds(250));

        Assert.Equal(2, transport.Attempts);
        Assert.Equal(1, sink.Retries);
        Assert.Single(transport.Batches);
        Assert.True((await sink.CompleteAsync(TestContext.Current.CancellationToken)).Succeeded);
        Assert.Empty(_problems.Problems);
    }

    [Fact]
    public async Task A_retry_after_named_by_the_service_is_waited_for()
    {
        var transport = new RecordingTransport(DeliveryResult.Retry("HTTP 429", TimeSpan.FromSeconds(2)), DeliveryResult.Delivered);
        var sink = Sink(transport, new BatchingSinkOptions { FlushInterval = TimeSpan.Zero, FirstRetryDelay = TimeSpan.FromMilliseconds(10) });

        await sink.EmitAsync(Alerts(1), TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(() => transport.Attempts == 1, TimeSpan.Zero);
        var start = _time.GetUtcNow();
        await AdvanceUntilAsync(() => sink.Delivered == 1, TimeSpan.FromMilliseconds(100));

        Assert.InRange(_time.GetUtcNow() - start, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.2));
        await sink.CompleteAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_rejected_batch_is_not_retried_and_is_reported_and_counted()
    {
        var transport = new RecordingTransport(DeliveryResult.Rejected("HTTP 400: invalid_payload"));
        var sink = Sink(transport, new BatchingSinkOptions { FlushInterval = TimeSpan.Zero });

        await sink.EmitAsync(Alerts(2), TestContext.Current.CancellationToken);
        var result = await sink.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal("2 alerts not delivered (2 failed, 0 dropped from a full queue)", result.Error);
        Assert.Equal(1, transport.Attempts);
        Assert.Equal(2, sink.Failed);
        var problem = Assert.Single(_problems.Problems);
        Assert.Equal(new Problem(nameof(RecordingTransport), "2 alerts not delivered after 1 attempt: HTTP 400: invalid_payload"), problem);
    }

    [Fact]
    public async Task Past_its_queue_limit_the_oldest_alerts_are_dropped_and_counted()
    {
        var transport = new RecordingTransport();
        var sink = Sink(transport, new BatchingSinkOptions { QueueLimit = 5, MaxBatchSize = 100, FlushInterval = TimeSpan.FromMinutes(1) });

        await sink.EmitAsync(Alerts(8), TestContext.Current.CancellationToken);
        var result = await sink.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, sink.Dropped);
        Assert.Equal(["f3", "f4", "f5", "f6", "f7"], transport.Batches.SelectMany(b => b).Select(a => a.Finding.Fingerprint));
        Assert.False(result.Succeeded);
    }

    private BatchingSink Sink(RecordingTransport transport, BatchingSinkOptions options) => new(transport, options, _time, _problems);

    private static Alert[] Alerts(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new Alert(FindingJsonTests.Full with { Fingerprint = $"f{i}" }))];

    // The sink's delays run on the fake clock: move it on in steps until the condition holds (bounded in real time).
    private async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            _time.Advance(step);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Answers with the given results in turn (then Delivered) and records what it was sent.</summary>
    private sealed class RecordingTransport(params DeliveryResult[] answers) : IAlertTransport
    {
        private int _attempts;

        public List<IReadOnlyList<Alert>> Batches { get; } = [];

        public int Attempts => Volatile.Read(ref _attempts);

        public ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref _attempts) - 1;
            var answer = attempt < answers.Length ? answers[attempt] : DeliveryResult.Delivered;
            if (answer.Outcome == DeliveryOutcome.Delivered)
            {
                lock (Batches) Batches.Add([.. batch]);
            }

            return ValueTask.FromResult(answer);
        }
    }
}
