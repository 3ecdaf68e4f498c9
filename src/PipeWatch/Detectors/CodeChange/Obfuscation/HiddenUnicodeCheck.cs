using System.Globalization;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.Obfuscation;

/// <summary>Finds Trojan Source bidirectional controls and invisible characters (zero-width, tag, filler, variation-selector runs) in added source lines.</summary>
/// <remarks>
/// Presentation-only code points are not hidden: a zero-width joiner or an emoji presentation selector (U+FE0E/U+FE0F) right
/// after a character that has an emoji form ("ℹ️", "✔️", "1️⃣", an astral emoji), one variation selector right after a CJK
/// ideograph (a standardized or ideographic variation sequence), and a byte-order mark at the start of a file. A run of
/// selectors is never presentation: only the first follows its base, so the rest are reported (the encoded-payload trick).
/// </remarks>
internal sealed class HiddenUnicodeCheck : ILineCheck
{
    public const string Rule = "obfuscated-code.hidden-unicode";

    public IEnumerable<LineIssue> Check(AddedFile file)
    {
        if (!file.IsCode) yield break;
        // Every character these checks look for is outside ASCII.
        foreach (var index in file.Lines.LinesWithNonAscii())
        {
            var line = file.Lines[index];
            var bidi = new List<string>();
            var invisible = new List<string>();
            var text = line.Text;
            var previous = new Rune(' ');
            for (var i = 0; i < text.Length;)
            {
                // A lone surrogate decodes as U+FFFD, one char long: bad text is read on, not thrown on.
                Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length);
                var code = rune.Value;
                if (code is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069 or 0x200E or 0x200F or 0x061C) bidi.Add(Name(code));
                else if (IsInvisible(code) && !(code == 0xFEFF && line.Number == 1 && i == 0) && !IsPresentation(previous, code, NextChar(text, i + length))) invisible.Add(Name(code));
                previous = rune;
                i += length;
            }

            if (bidi.Count > 0)
            {
                yield return new LineIssue(
                    Rule, Severity.High, line.Number, "bidi|" + string.Join(",", bidi.Distinct()),
                    $"Bidirectional control characters in {file.Path}:{line.Number} ({string.Join(", ", bidi.Distinct())})",
                    $"The line holds {bidi.Count} bidirectional control character(s) ({string.Join(", ", bidi.Distinct())}): they reorder how the line is displayed, so the code a reviewer sees is not the code the compiler reads (Trojan Source, CVE-2021-42574).");
            }

            if (invisible.Count > 0)
            {
                yield return new LineIssue(
                    Rule, Severity.High, line.Number, "invisible|" + string.Join(",", invisible.Distinct()),
                    $"{invisible.Count} invisible character(s) in {file.Path}:{line.Number}",
                    $"The line holds {invisible.Count} invisible character(s) ({string.Join(", ", invisible.Distinct())}): they make identifiers or strings differ from what is shown, or carry an encoded payload no reviewer can see.");
            }
        }
    }

    private static bool IsInvisible(int code) =>
        code is >= 0x200B and <= 0x200D or 0x2060 or 0x2061 or 0x2062 or 0x2063 or 0x2064 or 0xFEFF or 0x180E or 0x3164 or 0x115F or 0x1160 or 0xFFA0 or 0x034F
            or >= 0xFE00 and <= 0xFE0F or >= 0xE0000 and <= 0xE007F or >= 0xE0100 and <= 0xE01EF;

    /// <summary>Whether <paramref name="code"/> after <paramref name="previous"/> only selects how the previous character is drawn.</summary>
    private static bool IsPresentation(Rune previous, int code, char next) =>
        code is 0x200D && (HasEmojiForm(previous) || previous.Value is 0xFE0F or 0x20E3)
        || code is 0xFE0E or 0xFE0F && (HasEmojiForm(previous) || previous.Value is '#' or '*' or >= '0' and <= '9' && next == '\u20E3')
        || code is >= 0xFE00 and <= 0xFE0F or >= 0xE0100 and <= 0xE01EF && IsIdeograph(previous.Value);

    /// <summary>
    /// A character Unicode's emoji-variation-sequences.txt can follow with U+FE0E/U+FE0F (the keycap bases count only before U+20E3): a few Latin-1 and
    /// letterlike signs, and the symbol blocks its other BMP bases lie in; astral symbols and the emoji blocks.
    /// </summary>
    private static bool HasEmojiForm(Rune previous)
    {
        if (!previous.IsBmp)
        {
            return previous.Value is >= 0x1F000 and <= 0x1FAFF
                || Rune.GetUnicodeCategory(previous) is UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.MathSymbol;
        }

        return previous.Value is 0x00A9 or 0x00AE or 0x203C or 0x2049 or 0x2122 or 0x2139 or 0x24C2
            or >= 0x2190 and <= 0x21FF or >= 0x2300 and <= 0x23FF or >= 0x25A0 and <= 0x27BF or >= 0x2900 and <= 0x297F
            or >= 0x2B00 and <= 0x2BFF or 0x3030 or 0x303D or 0x3297 or 0x3299
            || Rune.GetUnicodeCategory(previous) is UnicodeCategory.OtherSymbol or UnicodeCategory.MathSymbol;
    }

    /// <summary>A CJK unified or compatibility ideograph: the bases of standardized and ideographic variation sequences.</summary>
    private static bool IsIdeograph(int code) =>
        code is >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3FFFF;

    private static char NextChar(string text, int index) => index < text.Length ? text[index] : '\0';

    private static string Name(int code) => string.Create(CultureInfo.InvariantCulture, $"U+{code:X4}");
}
