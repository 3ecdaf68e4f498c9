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
}
