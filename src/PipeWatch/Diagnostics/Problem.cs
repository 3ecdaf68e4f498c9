namespace PipeWatch.Diagnostics;

/// <summary>A piece of input that could not be used: which file, where, and why. Bad input is data, not an exception.</summary>
public sealed record Problem(string File, string Reason, int? Line = null)
{
    /// <inheritdoc />
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Reason}" : $"{File}: {Reason}";
}

/// <summary>Receives problems as they are found; the host prints them, tests collect them.</summary>
/// <remarks>Called from the reading and the detecting stage: implementations must be thread-safe.</remarks>
public interface IProblemReporter
{
    void Report(Problem problem);
}

/// <summary>Counts problems and keeps the most recent ones in memory, thread-safely.</summary>
/// <remarks>
/// Bounded, so that a process that runs for weeks (<c>serve</c>) holds at most <see cref="Capacity"/> problems however much bad
/// input it is sent: the oldest are forgotten first, and <see cref="Count"/> still counts every problem reported.
/// </remarks>
internal sealed class ProblemLog : IProblemReporter
{
    /// <summary>The problems kept when no capacity is given.</summary>
    public const int DefaultCapacity = 1_000;

    private readonly Lock _gate = new();
    private readonly Queue<Problem> _recent;
    private readonly IProblemReporter? _next;
    private long _count;

    /// <summary>Collects, and forwards each problem to <paramref name="next"/> when given.</summary>
    /// <param name="next">Receives every problem too, when given.</param>
    /// <param name="capacity">How many of the most recent problems to keep; at least 1.</param>
    public ProblemLog(IProblemReporter? next = null, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _next = next;
        Capacity = capacity;
        _recent = new Queue<Problem>(Math.Min(capacity, 64));
    }

    /// <summary>How many of the most recent problems are kept.</summary>
    public int Capacity { get; }

    /// <summary>The most recent problems, at most <see cref="Capacity"/>, oldest first.</summary>
    public IReadOnlyList<Problem> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>Every problem reported, including those no longer kept.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>The problems reported but no longer kept: <see cref="Count"/> minus those in <see cref="Problems"/>.</summary>
    public long Forgotten
    {
        get
        {
            lock (_gate)
            {
                return _count - _recent.Count;
            }
        }
    }

    public void Report(Problem problem)
    {
        lock (_gate)
        {
            _count++;
            if (_recent.Count == Capacity) _recent.Dequeue();
            _recent.Enqueue(problem);
        }

        _next?.Report(problem);
    }
}
