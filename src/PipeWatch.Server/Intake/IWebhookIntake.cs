namespace PipeWatch.Server.Intake;

/// <summary>Where a hook puts a verified payload before it answers: the SQLite intake queue (the default) or a JetStream stream (<c>--queue</c>).</summary>
/// <remarks>
/// The answer comes only once the payload is durably stored (<see cref="EnqueueOutcome.Accepted"/>) or refused, never before;
/// <see cref="EnqueueOutcome.Unavailable"/> means the store behind it cannot be reached and nothing was stored. Thread-safe.
/// </remarks>
internal interface IWebhookIntake
{
    /// <summary>Stores the payload durably, or refuses it.</summary>
    Task<EnqueueOutcome> EnqueueAsync(IntakeItem item);

    /// <summary>Payloads acknowledged and not yet committed, as far as this process knows (0 when others process them).</summary>
    long Backlog { get; }
}
