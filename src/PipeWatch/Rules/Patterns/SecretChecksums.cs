using System.IO.Hashing;
using System.Text;

namespace PipeWatch.Rules.Patterns;

/// <summary>A checksum a provider builds into its tokens, checked to cut false positives.</summary>
public enum SecretChecksum
{
    None = 0,

    /// <summary>GitHub's new-format tokens: the last 6 base62 characters are the CRC32 of the random part before them.</summary>
    GitHubCrc32 = 1,
}

/// <summary>Checks the checksums of <see cref="SecretChecksum"/>.</summary>
internal static class SecretChecksums
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The name a rule file writes for a checksum (<see cref="TryParse"/> reads it back); empty for none.</summary>
    public static string NameOf(SecretChecksum checksum) => checksum switch
    {
        SecretChecksum.GitHubCrc32 => "github-crc32",
        _ => string.Empty,
    };

    /// <summary>Parses a checksum's name as written in a rule file (<c>github-crc32</c>); false for anything else.</summary>
    public static bool TryParse(string text, out SecretChecksum checksum)
    {
        checksum = text switch
        {
            "github-crc32" => SecretChecksum.GitHubCrc32,
            _ => SecretChecksum.None,
        };
        return checksum != SecretChecksum.None;
    }

    /// <summary>True when <paramref name="secret"/> carries a valid <paramref name="checksum"/> (always, for <see cref="SecretChecksum.None"/>).</summary>
    public static bool IsValid(SecretChecksum checksum, string secret) => checksum switch
    {
        SecretChecksum.GitHubCrc32 => IsValidGitHub(secret),
        _ => true,
    };

    /// <summary>True when the part after the last <c>_</c> ends in the 6-character base62 CRC32 of what precedes it in that part.</summary>
    public static bool IsValidGitHub(string token)
    {
        var body = token[(token.LastIndexOf('_') + 1)..];
        if (body.Length <= 6) return false;
        var random = body[..^6];
        return body[^6..] == GitHubChecksum(random);
    }

    /// <summary>The 6-character base62 CRC32 of <paramref name="random"/>, left-padded with zeros.</summary>
    public static string GitHubChecksum(string random)
    {
        var value = Crc32.HashToUInt32(Encoding.ASCII.GetBytes(random));
        Span<char> digits = stackalloc char[6];
        for (var i = 5; i >= 0; i--)
        {
            digits[i] = Base62[(int)(value % 62)];
            value /= 62;
        }

        return new string(digits);
    }
}
