using PipeWatch.Configuration;
using PipeWatch.Detectors.CodeChange.Obfuscation;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="ObfuscatedCodeDetector"/> (<c>detectors.code-change.obfuscated-code</c> in pipewatch.yml).</summary>
internal sealed record ObfuscatedCodeOptions
{
    /// <summary>Characters a dense added line must have to count as a minified payload.</summary>
    public int MinifiedLineLength { get; init; } = MinifiedPayloadCheck.DefaultMinimumLength;

    /// <summary>Its <c>detectors.code-change.obfuscated-code</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<ObfuscatedCodeOptions>(
        "code-change.obfuscated-code",
        [
            Setting.Int<ObfuscatedCodeOptions>("minified-line-length", 100, 1_000_000, (o, v) => o with { MinifiedLineLength = v }),
        ]);
}
