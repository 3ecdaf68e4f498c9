namespace PipeWatch.Detectors.Secrets;

/// <summary>Settings of <see cref="SecretExposedInLogDetector"/> (<c>detectors.secrets.exposed-in-log</c>).</summary>
public sealed record SecretExposedInLogOptions
{
    /// <summary>How many decodings deep (base64 inside base64 inside gzip…) an encoded string is followed; 0 looks at plain text only.</summary>
    public int DecodeDepth { get; init; } = 5;

    /// <summary>The shortest run of base64 or hex characters (or URL-encoded token) tried as an encoded secret.</summary>
    public int MinimumEncodedLength { get; init; } = 20;
}
