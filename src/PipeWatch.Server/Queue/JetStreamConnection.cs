using NATS.Client.Core;

namespace PipeWatch.Server.Queue;

/// <summary>The NATS connection of <c>serve --queue</c> and the workers: reconnects without end, and its first connect is bounded.</summary>
internal static class JetStreamConnection
{
    public static async Task<NatsConnection> OpenAsync(QueueAddress address, string name, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var connection = new NatsConnection(new NatsOpts
        {
            Url = address.Url,
            Name = name,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            RequestTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(5),
        });
        try
        {
            await RetryAsync(address, "connecting", async ct => await connection.ConnectAsync().AsTask().WaitAsync(ct).ConfigureAwait(false), connectTimeout, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> until it succeeds or <paramref name="timeout"/> has passed (then a <see cref="QueueException"/> naming what failed).</summary>
    public static async Task RetryAsync(QueueAddress address, string what, Func<CancellationToken, Task> action, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await action(attempt.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is NatsException or OperationCanceledException or TimeoutException)
            {
                if (DateTime.UtcNow + delay > deadline)
                {
                    throw new QueueException($"{address}: {what} failed for {timeout.TotalSeconds:0} s: {ex.GetType().Name}: {ex.Message}", ex);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }
}

/// <summary>The queue (NATS JetStream) could not be reached or set up.</summary>
public sealed class QueueException(string message, Exception? inner = null) : Exception(message, inner);
