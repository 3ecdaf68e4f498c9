namespace PipeWatch.Sinks.Batching;

/// <summary>How a remote sink sends one batch of alerts (a chat message, a SIEM request, a page): the one thing each remote sink writes.</summary>
/// <remarks>
/// Called by <see cref="BatchingSink"/> from its own task, one batch at a time, never concurrently; retries, backoff, timeouts and
/// shutdown are the batching sink's. Return <see cref="DeliveryResult.Retry"/> for what may pass later (a 5xx, a 429 with its
/// <c>Retry-After</c>, a refused connection) and <see cref="DeliveryResult.Rejected"/> for what never will (a 400, a bad token).
/// Never put a secret (a token, a webhook URL) in an error text: it is printed.
/// </remarks>
public interface IAlertTransport
{
    ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken);
}

/// <summary>What became of one attempt to send a batch.</summary>
/// <param name="Answer">What the service said, for <c>pipewatch alerts test</c> (e.g. <c>HTTP 202: {"status":"success"}</c>); never a secret.</param>
public readonly record struct DeliveryResult(DeliveryOutcome Outcome, string? Error = null, TimeSpan? RetryAfter = null, string? Answer = null)
{
    public static DeliveryResult Delivered { get; } = new(DeliveryOutcome.Delivered);

    /// <summary>Accepted, with what the service answered.</summary>
    public static DeliveryResult DeliveredWith(string answer) => new(DeliveryOutcome.Delivered, Answer: answer);

    /// <summary>Worth trying again, after <paramref name="after"/> when the service said so.</summary>
    public static DeliveryResult Retry(string error, TimeSpan? after = null) => new(DeliveryOutcome.Retry, error, after);

    /// <summary>Refused for good: trying again would not help.</summary>
    public static DeliveryResult Rejected(string error) => new(DeliveryOutcome.Rejected, error);
}

/// <summary>The outcome of one attempt.</summary>
public enum DeliveryOutcome
{
    Delivered,
    Retry,
    Rejected,
}
