using PipeWatch.Detectors.CodeChange.Obfuscation;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="ObfuscatedCodeAnalyzer"/> (<c>detectors.code-change.obfuscated-code</c> in pipewatch.yml).</summary>
public sealed record ObfuscatedCodeOptions
{
    /// <summary>Characters a dense added line must have to count as a minified payload.</summary>
    public int MinifiedLineLength { get; init; } = MinifiedPayloadCheck.DefaultMinimumLength;
}
