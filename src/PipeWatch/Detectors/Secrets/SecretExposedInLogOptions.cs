using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Settings of <see cref="SecretExposedInLogDetector"/> (<c>detectors.secrets.exposed-in-log</c>).</summary>
internal sealed record SecretExposedInLogOptions
{
    /// <summary>How many decodings deep (base64 inside base64 inside gzip…) an encoded string is followed; 0 looks at plain text only.</summary>
    public int DecodeDepth { get; init; } = 5;

    /// <summary>The shortest run of base64 or hex characters (or URL-encoded token) tried as an encoded secret.</summary>
    public int MinimumEncodedLength { get; init; } = 20;

    /// <summary>Its <c>detectors.secrets.exposed-in-log</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<SecretExposedInLogOptions>(
        "secrets.exposed-in-log",
        [
            Setting.Int<SecretExposedInLogOptions>("decode-depth", 0, 10, (o, v) => o with { DecodeDepth = v }),
            Setting.Int<SecretExposedInLogOptions>("min-encoded-length", 8, 4096, (o, v) => o with { MinimumEncodedLength = v }),
        ]);
}
