using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Findings;

/// <summary>The one fingerprint function: a stable hash of a rule id and the parts that make a finding the same finding.</summary>
internal static class Fingerprint
{
    /// <summary>32 hex characters of SHA-256 over the rule and parts, each written with its length so no two lists of parts collide.</summary>
    public static string Of(string rule, params ReadOnlySpan<string?> parts)
    {
        var text = new StringBuilder(rule);
        foreach (var part in parts)
        {
            // A null part is "-" and an empty one "0:", so they differ too.
            text.Append('|');
            if (part is null) text.Append('-');
            else text.Append(part.Length).Append(':').Append(part);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }
}
