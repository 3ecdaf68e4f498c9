using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipeWatch.Detectors.Secrets;

/// <summary>The forms a secret value is printed in (itself, base64 at each alignment, base64url, hex, URL, reversed, JSON), and their keyed hashes.</summary>
/// <remarks>
/// A form is found in a text as a whole run of its own characters (<see cref="Alphabet"/>), so each is kept with its alphabet and length.
/// Base64 of a value inside a longer text depends on where the value starts modulo 3: <c>base64@k</c> is the part of the encoding made only
/// of the value's bytes when it starts at byte offset <c>k</c> mod 3. Base64 forms are kept without padding, so <c>NAME=…==</c> still cuts
/// them out whole. The halves (<c>prefix-half</c>, <c>suffix-half</c>) find a value partly masked; they are kept only when each half alone is
/// too hard to guess (<see cref="MinimumHalfBits"/>), so they never let a value be recovered piece by piece.
/// </remarks>
internal static class KnownSecretForms
{
    /// <summary>The shortest value learned: shorter ones are guessable from their hash, and match ordinary words.</summary>
    public const int MinimumLength = 8;

    /// <summary>The longest value learned (a key file is not a log token).</summary>
    public const int MaximumLength = 4096;

    /// <summary>The guessing work (bits, by length and character classes) each half must need before halves are kept.</summary>
    public const double MinimumHalfBits = 64;

    /// <summary>The shortest form kept: shorter base64 cores match too much.</summary>
    private const int MinimumFormLength = 8;

    /// <summary>The forms of <paramref name="value"/> by name, each once (a form equal to an earlier one is left out).</summary>
    public static IReadOnlyList<(string Form, string Text)> Of(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetBytes(value);
        var forms = new List<(string, string)>();
        void Add(string form, string text)
        {
            if (text.Length >= MinimumFormLength && !forms.Exists(f => f.Item2 == text)) forms.Add((form, text));
        }

        Add("plain", value);
        var base64 = Convert.ToBase64String(bytes).TrimEnd('=');
        Add("base64", base64);
        Add("base64url", base64.Replace('+', '-').Replace('/', '_'));
        for (var k = 0; k < 3; k++)
        {
            if (Core(bytes, k) is { } core) Add($"base64@{k}", core);
        }

        Add("hex", Convert.ToHexStringLower(bytes));
        Add("HEX", Convert.ToHexString(bytes));
        Add("url", Uri.EscapeDataString(value));
        Add("reversed", new string([.. value.Reverse()]));
        Add("json", JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value);
        Add("json-ascii", JsonEncodedText.Encode(value).Value);
        Add("json-slash", JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value.Replace("/", "\\/", StringComparison.Ordinal));
        if (GuessBits(value, (value.Length + 1) / 2) >= MinimumHalfBits)
        {
            var half = (value.Length + 1) / 2;
            forms.Add(("prefix-half", value[..half]));
            forms.Add(("suffix-half", value[^half..]));
        }

        return forms;
    }

    /// <summary>The characters of <paramref name="form"/> besides ASCII letters and digits, sorted; <c>\u0080</c> stands for any non-ASCII character.</summary>
    public static string Alphabet(string form)
    {
        var set = new SortedSet<char>();
        foreach (var c in form)
        {
            if (char.IsAsciiLetterOrDigit(c)) continue;
            set.Add(c < 0x80 ? c : '\u0080');
        }

        return new string([.. set]);
    }

    /// <summary>HMAC-SHA256 of <paramref name="text"/>'s UTF-8 bytes under <paramref name="key"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> key, string text) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));

    /// <summary>A rough count of the guesses (in bits) a brute force over the character classes of <paramref name="value"/> needs for <paramref name="length"/> characters.</summary>
    public static double GuessBits(string value, int length)
    {
        int classes = 0;
        if (value.Any(char.IsAsciiLetterLower)) classes += 26;
        if (value.Any(char.IsAsciiLetterUpper)) classes += 26;
        if (value.Any(char.IsAsciiDigit)) classes += 10;
        classes += value.Where(c => !char.IsAsciiLetterOrDigit(c)).Distinct().Count();
        return classes <= 1 ? 0 : length * Math.Log2(classes);
    }

    // The base64 characters made only of the value's bytes when it starts at byte offset k mod 3: whole 3-byte groups inside it.
    private static string? Core(byte[] bytes, int k)
    {
        var skip = (3 - k) % 3;
        if (bytes.Length - skip < 3) return null;
        var whole = (bytes.Length - skip) / 3 * 3;
        return Convert.ToBase64String(bytes, skip, whole);
    }
}
