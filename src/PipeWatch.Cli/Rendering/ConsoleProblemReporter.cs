using PipeWatch.Diagnostics;

namespace PipeWatch.Cli.Rendering;

/// <summary>Prints each problem as one line on stderr ("pipewatch: FILE:LINE: reason"), or holds them while a progress display owns the terminal.</summary>
internal sealed class ConsoleProblemReporter : IProblemReporter
{
    private readonly Lock _gate = new();
    private readonly TextWriter _error;
    private readonly Func<string, string> _display;
    private readonly List<Problem> _held = [];
    private bool _holding;

    /// <param name="error">Where lines go.</param>
    /// <param name="display">Shortens file paths for people.</param>
    public ConsoleProblemReporter(TextWriter error, Func<string, string> display)
    {
        _error = error;
        _display = display;
    }

    public int Count { get; private set; }

    public void Report(Problem problem)
    {
        lock (_gate)
        {
            Count++;
            if (_holding)
            {
                _held.Add(problem);
            }
            else
            {
                _error.WriteLine(Line(problem));
            }
        }
    }

    // One line whatever the file name or reason hold: both can come from the input.
    private string Line(Problem problem) => TerminalText.Escape($"pipewatch: {problem with { File = _display(problem.File) }}");

    /// <summary>Holds problems until <see cref="Release"/>, so they do not tear a live display.</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _holding = true;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _holding = false;
            foreach (var problem in _held)
            {
                _error.WriteLine(Line(problem));
            }

            _held.Clear();
        }
    }
}
