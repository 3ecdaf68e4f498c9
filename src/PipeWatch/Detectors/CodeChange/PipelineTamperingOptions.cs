using PipeWatch.Configuration;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="PipelineTamperingDetector"/> (<c>detectors.code-change.pipeline-tampering</c> in pipewatch.yml).</summary>
internal sealed record PipelineTamperingOptions
{
    /// <summary>The default level: weaknesses an attacker can use.</summary>
    public const string Regular = "regular";

    /// <summary>Also hygiene (e.g. a checkout that keeps its token although nothing uploads the workspace).</summary>
    public const string Pedantic = "pedantic";

    /// <summary><see cref="Regular"/> or <see cref="Pedantic"/>.</summary>
    public string Level { get; init; } = Regular;

    /// <summary>Its <c>detectors.code-change.pipeline-tampering</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<PipelineTamperingOptions>(
        "code-change.pipeline-tampering",
        [Setting.Choice<PipelineTamperingOptions>("level", [Regular, Pedantic], (o, v) => o with { Level = v })]);
}
