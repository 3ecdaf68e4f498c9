using System.Globalization;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.Obfuscation;

/// <summary>Finds Trojan Source bidirectional controls and invisible characters (zero-width, tag, filler, variation-selector runs) in added source lines.</summary>
/// <remarks>Zero-width joiners and variation selectors right after a symbol or another astral character are emoji sequences, and a byte-order mark at the start of a file is allowed.</remarks>
public sealed class HiddenUnicodeCheck : ILineCheck
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
                else if (IsInvisible(code) && !(code == 0xFEFF && line.Number == 1 && i == 0) && !InEmoji(previous, code)) invisible.Add(Name(code));
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

    /// <summary>A joiner or variation selector following a symbol or an astral character: part of an emoji sequence.</summary>
    private static bool InEmoji(Rune previous, int code) =>
        code is 0x200D or 0xFE0E or 0xFE0F
        && (!previous.IsBmp || Rune.GetUnicodeCategory(previous) is UnicodeCategory.OtherSymbol or UnicodeCategory.MathSymbol
            || previous.Value is 0x200D or 0xFE0F);

    private static string Name(int code) => string.Create(CultureInfo.InvariantCulture, $"U+{code:X4}");
}
