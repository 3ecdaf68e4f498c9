using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.Obfuscation;

/// <summary>Finds identifiers that mix Latin letters with Cyrillic or Greek look-alikes (<c>раypal</c>, <c>isАdmin</c>): names that read like another.</summary>
internal sealed partial class HomoglyphIdentifierCheck : ILineCheck
{
    public const string Rule = "obfuscated-code.homoglyph-identifier";

    public IEnumerable<LineIssue> Check(AddedFile file)
    {
        if (!file.IsCode) yield break;
        // Every character these checks look for is outside ASCII.
        foreach (var index in file.Lines.LinesWithNonAscii())
        {
            var line = file.Lines[index];
            foreach (Match m in Token().Matches(line.Text))
            {
                if (m.Groups["identifier"] is not { Success: true } identifier) continue;
                var name = identifier.Value;
                var scripts = Scripts(name);
                if (!scripts.Contains("Latin") || scripts.Count < 2) continue;
                var foreign = string.Join(", ", ForeignLetters(name));
                yield return new LineIssue(
                    Rule, Severity.High, line.Number, name,
                    $"Identifier '{name}' mixes Latin with {string.Join(" and ", scripts.Where(s => s != "Latin"))} letters",
                    $"'{name}' at {file.Path}:{line.Number} looks like a plain Latin name but contains {foreign}: it is a different identifier from the one it imitates, so a check, an import or a call can silently point somewhere else.");
            }
        }
    }

    private static HashSet<string> Scripts(string identifier)
    {
        var scripts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rune in identifier.EnumerateRunes())
        {
            if (Script(rune) is { } script) scripts.Add(script);
        }

        return scripts;
    }

    private static string? Script(Rune rune) => rune.Value switch
    {
        >= 'A' and <= 'Z' or >= 'a' and <= 'z' => "Latin",
        >= 0x0400 and <= 0x052F => "Cyrillic",
        >= 0x0370 and <= 0x03FF => "Greek",
        _ => null,
    };

    private static IEnumerable<string> ForeignLetters(string identifier) =>
        identifier.EnumerateRunes().Where(r => Script(r) is "Cyrillic" or "Greek").Distinct()
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"'{r}' (U+{r.Value:X4}, {Script(r)})"));

    // An identifier, or an escape sequence (\u0345, \u{1F600}, \U0001F600, \x41, \x{41}, \N{…}, \n …) that is skipped whole:
    // the letters and digits of an escape are not the start of an identifier (\u0345ι is one escape and the Greek ι).
    [GeneratedRegex(@"\\(?:u\{[0-9A-Fa-f]+\}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x\{[0-9A-Fa-f]+\}|x[0-9A-Fa-f]{1,2}|N\{[^}]*\}|.)|(?<identifier>[\p{L}_$][\p{L}\p{Nd}_$]*)")]
    private static partial Regex Token();
}
