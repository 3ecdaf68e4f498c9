namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>
/// What one verification call sends: the secret, and for providers that need one, the identifier it pairs with (an AWS access
/// key id, a Twilio account or API key SID) and the account it belongs to (a Twilio account SID).
/// </summary>
/// <remarks>Held in memory only, for the call; <see cref="ToString"/> never shows the secret.</remarks>
internal sealed record SecretCredential(string Secret, string? Id = null, string? Account = null)
{
    /// <summary>The cache key of the credential: the same pair is asked about once.</summary>
    public string Key => $"{Id}\0{Account}\0{Secret}";

    public override string ToString() => Id is null ? "credential" : $"credential of {Id}";
}
