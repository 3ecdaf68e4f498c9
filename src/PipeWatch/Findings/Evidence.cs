using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Findings;

/// <summary>A named supporting value of a finding; a secret can only enter it redacted.</summary>
/// <remarks>The constructor is private: <see cref="Of"/> takes values that are not secret, <see cref="Secret"/> redacts.</remarks>
public sealed record Evidence
{
    private Evidence(string name, string value)
    {
        Name = name;
        Value = value;
    }

    public string Name { get; }

    public string Value { get; }

    /// <summary>A value that is not secret (a duration, a step name, a count).</summary>
    public static Evidence Of(string name, string value) => new(name, value);

    /// <summary>A secret, kept as its first characters, its length and a SHA-256 prefix: never whole.</summary>
    public static Evidence Secret(string name, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return new(name, Mask(secret));
    }

    /// <summary>The redacted form of a secret: its first characters (4 from 16 up, 2 from 8 up), its length and a SHA-256 prefix.</summary>
    public static string Mask(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var visible = secret.Length >= 16 ? 4 : secret.Length >= 8 ? 2 : 0;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..12];
        return $"{secret[..visible]}… ({secret.Length} chars, sha256:{hash})";
    }

    /// <summary>Rebuilds evidence read back from the store, where it was saved already redacted.</summary>
    internal static Evidence FromStore(string name, string value) => new(name, value);
}
