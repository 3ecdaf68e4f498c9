using NATS.Client.Core;
using NATS.Client.JetStream;
using PipeWatch.Diagnostics;
using PipeWatch.Server.Intake;

namespace PipeWatch.Server.Queue;

/// <summary>
/// The intake of <c>serve --queue</c>: a verified payload is published to its repository's partition of the JetStream stream, and
/// acknowledged to the sender only once JetStream has answered that it stored it.
/// </summary>
/// <remarks>
/// The sender's delivery id is the message's <c>Nats-Msg-Id</c>: a retry within the stream's duplicate window is dropped by JetStream
/// (and answered as stored, which it is). When JetStream does not answer within the publish timeout (down, restarting, no quorum),
/// the outcome is <see cref="EnqueueOutcome.Unavailable"/>: the hook answers 503 and the sender retries; nothing unstored is ever
/// acknowledged. Thread-safe; owns its connection.
/// </remarks>
internal sealed class JetStreamIntake : IWebhookIntake, IAsyncDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _js;
    private readonly int _partitions;
    private readonly IProblemReporter _problems;
    private long _published;

    private JetStreamIntake(NatsConnection connection, int partitions, IProblemReporter problems)
    {
        _connection = connection;
        _js = new NatsJSContext(connection);
        _partitions = partitions;
        _problems = problems;
    }

    /// <summary>Payloads published (stored by JetStream) since the start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Whether the connection to NATS is up.</summary>
    public bool Connected => _connection.ConnectionState == NatsConnectionState.Open;

    public long Backlog => 0;

    /// <summary>Connects (retrying while NATS is not up yet, up to <paramref name="connectTimeout"/>) and creates or updates the stream.</summary>
    /// <exception cref="QueueException">NATS or JetStream could not be reached, or the stream could not be created.</exception>
    public static async Task<JetStreamIntake> StartAsync(QueueAddress address, int partitions, IProblemReporter problems, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var connection = await JetStreamConnection.OpenAsync(address, "pipewatch-serve", connectTimeout, cancellationToken).ConfigureAwait(false);
        var intake = new JetStreamIntake(connection, partitions, problems);
        try
        {
            await JetStreamConnection.RetryAsync(address, "creating the stream", ct => IntakeStream.EnsureAsync(intake._js, ct), connectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return intake;
    }

    public async Task<EnqueueOutcome> EnqueueAsync(IntakeItem item)
    {
        var maxPayload = _connection.ServerInfo?.MaxPayload ?? 1 << 20;
        // The headers take well under 4 KB (escaped delivery id, hint and origin).
        if (item.Body.Length + 4096 > maxPayload) return EnqueueOutcome.TooLarge;
        var subject = IntakeStream.Subject(item.Kind == IntakeKinds.Payload ? IntakeStream.Partition(IntakeStream.RepositoryOf(item.Body), _partitions) : 0);
        using var timeout = new CancellationTokenSource(PublishTimeout);
        try
        {
            var ack = await _js.PublishAsync(
                subject,
                item.Body,
                opts: new NatsJSPubOpts { MsgId = IntakeStream.MessageId(item) },
                headers: IntakeStream.Headers(item),
                cancellationToken: timeout.Token).ConfigureAwait(false);
            ack.EnsureSuccess();
            Interlocked.Increment(ref _published);
            return EnqueueOutcome.Accepted;
        }
        catch (NatsJSDuplicateMessageException)
        {
            // Stored before, within the duplicate window: the sender's retry of a payload whose answer it lost.
            return EnqueueOutcome.Accepted;
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
        {
            var why = ex is OperationCanceledException ? $"no answer within {PublishTimeout.TotalSeconds:0} s" : $"{ex.GetType().Name}: {ex.Message}";
            _problems.Report(new Problem(item.Origin, $"not stored: JetStream did not take it ({why})"));
            return EnqueueOutcome.Unavailable;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
