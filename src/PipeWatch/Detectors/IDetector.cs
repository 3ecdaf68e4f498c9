using PipeWatch.Events;

namespace PipeWatch.Detectors;

/// <summary>Finds one IoC family in events, reporting findings through its context.</summary>
/// <remarks>
/// Called from the single detection stage, one event at a time: implementations need no locking but must keep all
/// learned state in <see cref="DetectionContext.Baselines"/> (persisted), never in fields. The engine routes only the
/// event kinds <see cref="DetectorInfo.Kinds"/> names, and catches and reports an exception from <see cref="Inspect"/>.
/// </remarks>
public interface IDetector
{
    DetectorInfo Info { get; }

    void Inspect(Event e, DetectionContext context);
}

/// <summary>What a detector is: its rule id, its category, and the event kinds it inspects.</summary>
/// <param name="Id">The rule id on findings and the key of its settings, kebab-case.</param>
/// <param name="Category">The taxonomy category of its findings.</param>
/// <param name="Kinds">The event kinds the engine routes to it.</param>
/// <param name="Description">One line for <c>--help</c> and the docs.</param>
public sealed record DetectorInfo(string Id, string Category, IReadOnlyList<EventKind> Kinds, string Description);
