using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Findings;

/// <summary>The one fingerprint function: a stable hash of a rule id and the parts that make a finding the same finding.</summary>
public static class Fingerprint
{
    /// <summary>32 hex characters of SHA-256 over the rule and parts, joined with a separator that cannot occur in ids.</summary>
    public static string Of(string rule, params ReadOnlySpan<string?> parts)
    {
        var text = new StringBuilder(rule);
        foreach (var part in parts)
        {
            text.Append('\u001f').Append(part);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }
}
