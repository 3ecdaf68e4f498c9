using PipeWatch.Configuration;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>What a host sets on the CI-definition checks: the level (<c>--persona</c>) and the checks that ask GitHub (<c>--online</c>).</summary>
public static class WorkflowChecks
{
    /// <summary>The levels, mildest first: <c>regular</c> (weaknesses an attacker can use) and <c>pedantic</c> (hygiene too).</summary>
    public static IReadOnlyList<string> Levels { get; } = [PipelineTamperingOptions.Regular, PipelineTamperingOptions.Pedantic];

    /// <summary><paramref name="config"/> with the pipeline-tampering level set to <paramref name="level"/> (one of <see cref="Levels"/>).</summary>
    public static PipeWatchConfig WithLevel(PipeWatchConfig config, string level)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!Levels.Contains(level)) throw new ArgumentException($"expected one of {string.Join(", ", Levels)}, got '{level}'", nameof(level));
        return config.With(config.Options<PipelineTamperingOptions>() with { Level = level });
    }
}
