namespace PipeWatch.Cli;

/// <summary>The exit codes of DESIGN.md.</summary>
public static class ExitCodes
{
    /// <summary>Ran; nothing at or above --fail-on.</summary>
    public const int Ok = 0;

    /// <summary>Findings at or above --fail-on.</summary>
    public const int Findings = 1;

    /// <summary>Bad usage or unreadable input; a one-line reason is on stderr.</summary>
    public const int Usage = 2;

    /// <summary>An internal error (a bug in PipeWatch, never the input's fault): a one-line message on stderr, the trace with <c>--verbose</c>.</summary>
    public const int InternalError = 3;

    /// <summary>Stopped by Ctrl-C or SIGTERM before the command could finish (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
