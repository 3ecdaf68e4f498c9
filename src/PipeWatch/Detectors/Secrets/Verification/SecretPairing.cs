using System.Text.RegularExpressions;

namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>One secret a detector found in a text: its rule, where it starts, and the value.</summary>
internal readonly record struct FoundSecret(string RuleId, int Index, string Secret);

/// <summary>
/// Makes the credential a provider needs from a found secret and what sits near it in the same file or log: an AWS secret
/// access key with its access key id, a Twilio auth token with its account SID, a Twilio API key SID with its secret.
/// </summary>
/// <remarks>
/// "Near" is within <see cref="Window"/> characters either side, the nearest first; nothing is paired across files or logs.
/// Secrets that need no pair are their own credential.
/// </remarks>
internal static partial class SecretPairing
{
    /// <summary>How far (in characters, either side) a pair is looked for.</summary>
    public const int Window = 1000;

    /// <summary>The credential to verify <paramref name="found"/> with, given the other secrets found in <paramref name="text"/>.</summary>
    public static SecretCredential For(FoundSecret found, string text, IReadOnlyList<FoundSecret> all)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(all);
        switch (found.RuleId)
        {
            case "aws-access-key-id":
                return Nearest(found, all, r => r != "aws-access-key-id" && AwsCallerIdentity.Rules.Contains(r)) is { } secret
                    ? new SecretCredential(secret.Secret, found.Secret)
                    : new SecretCredential(string.Empty, found.Secret);
            case var rule when AwsCallerIdentity.Rules.Contains(rule):
                return new SecretCredential(found.Secret, (Nearest(found, all, r => r == "aws-access-key-id")?.Secret) ?? NearestMatch(text, found.Index, AwsKeyId()));
            case "twilio-auth-token":
                var account = NearestMatch(text, found.Index, TwilioAccountSid());
                return new SecretCredential(found.Secret, account, account);
            case "twilio-api-key":
                return new SecretCredential(NearestMatch(text, found.Index, TwilioKeySecret()) ?? string.Empty, found.Secret, NearestMatch(text, found.Index, TwilioAccountSid()));
            default:
                return new SecretCredential(found.Secret);
        }
    }

    private static FoundSecret? Nearest(FoundSecret found, IReadOnlyList<FoundSecret> all, Func<string, bool> rule) =>
        all.Where(o => rule(o.RuleId) && Math.Abs(o.Index - found.Index) <= Window)
            .OrderBy(o => Math.Abs(o.Index - found.Index))
            .Select(o => (FoundSecret?)o)
            .FirstOrDefault();

    // The nearest match (its first group, else the whole match) within the window around at.
    private static string? NearestMatch(string text, int at, Regex regex)
    {
        var from = Math.Max(0, at - Window);
        var to = Math.Min(text.Length, at + Window);
        string? best = null;
        var distance = int.MaxValue;
        foreach (Match match in regex.Matches(text.Substring(from, to - from)))
        {
            var value = match.Groups.Count > 1 ? match.Groups[1] : match.Groups[0];
            var d = Math.Abs(from + value.Index - at);
            if (d < distance)
            {
                (best, distance) = (value.Value, d);
            }
        }

        return best;
    }

    [GeneratedRegex(@"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b")]
    private static partial Regex AwsKeyId();

    [GeneratedRegex(@"\bAC[0-9a-f]{32}\b")]
    private static partial Regex TwilioAccountSid();

    // An API key's secret is 32 letters and digits, under a name that says secret.
    [GeneratedRegex(@"(?i)secret[""']?\s*[:=]\s*[""']?([A-Za-z0-9]{32})(?![A-Za-z0-9])")]
    private static partial Regex TwilioKeySecret();
}
