using System.Buffers;
using System.Text.RegularExpressions;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.Obfuscation;

/// <summary>Finds encoded code decoded and run in one go: <c>eval(atob(…))</c>, <c>new Function(…)</c>, <c>exec(base64.b64decode(…))</c>, <c>powershell -enc</c>, <c>base64 -d | sh</c>.</summary>
internal sealed partial class DecodeAndExecuteCheck : ILineCheck
{
    public const string Rule = "obfuscated-code.decode-and-execute";

    // Every alternative of the pattern holds one of these words: lines without any skip the regex.
    private static readonly SearchValues<string> Keywords = SearchValues.Create(
        ["eval", "Function", "exec", "powershell", "pwsh", "FromBase64", "base64", "xxd", "openssl"], StringComparison.OrdinalIgnoreCase);

    public IEnumerable<LineIssue> Check(AddedFile file)
    {
        // In C++, Java or C#, `new Function(` builds an object of a class named Function; only JavaScript compiles a string with it.
        var script = file.IsJavaScript;
        foreach (var index in file.Lines.LinesContaining(Keywords))
        {
            var line = file.Lines[index];
            if (Pattern().Matches(line.Text).FirstOrDefault(m => script || !m.Groups["constructor"].Success) is not { } m) continue;
            var what = m.Value.Length > 60 ? m.Value[..60] + "…" : m.Value;
            yield return new LineIssue(
                Rule, Severity.High, line.Number, what,
                $"Encoded code is decoded and executed in {file.Path}: {what}",
                $"'{what}' turns an encoded string into code and runs it, so what executes cannot be read in the diff; reviewers, scanners and code search all see only the encoding. Decode it and review the plain code before it is merged.");
        }
    }

    [GeneratedRegex("""
        \beval\s*\(\s*(?:atob|unescape|decodeURIComponent|String\.fromCharCode|Buffer\.from|base64_decode|gzinflate|gzuncompress|str_rot13|compile)\s*\(
        |(?<constructor>\bnew\s+Function\s*\()
        |(?<![\w.])Function\s*\(\s*(?:atob|Buffer\.from|String\.fromCharCode)\s*\(
        |\bexec\s*\(\s*(?:base64\.b64decode|zlib\.decompress|codecs\.decode|bytes\.fromhex|marshal\.loads|__import__\s*\(\s*['"](?:base64|zlib|codecs)['"]\s*\))
        |\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]*\s-(?:e|ec|en|enc|enco|encodedcommand)\s+[A-Za-z0-9+/=]{16,}
        |\b(?:iex|invoke-expression)\b[^\n]*FromBase64String
        |FromBase64String[^\n]*\|\s*(?:iex|invoke-expression)\b
        |\bbase64\s+(?:-d|--decode|-D)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b
        |\bxxd\s+-r\b[^\n|]*\|\s*(?:ba|z)?sh\b
        |\bopenssl\s+(?:enc|base64)\b[^\n|]*-d\b[^\n|]*\|\s*(?:ba|z)?sh\b
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Pattern();
}
