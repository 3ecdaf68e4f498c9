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

/// <summary>Collects problems in memory, thread-safely, and counts them.</summary>
public sealed class ProblemLog : IProblemReporter
{
    private readonly Lock _gate = new();
    private readonly List<Problem> _problems = [];
    private readonly IProblemReporter? _next;

    /// <summary>Collects, and forwards each problem to <paramref name="next"/> when given.</summary>
    public ProblemLog(IProblemReporter? next = null) => _next = next;

    public IReadOnlyList<Problem> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _problems];
            }
        }
    }

    public void Report(Problem problem)
    {
        lock (_gate)
        {
            _problems.Add(problem);
        }

        _next?.Report(problem);
    }
}
