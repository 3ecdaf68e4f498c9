using System.Text.RegularExpressions;

namespace PipeWatch.Intel;

/// <summary>ATT&amp;CK technique ids as feeds give them (<c>T1071</c>, <c>T1071.001</c>), found in tags and references.</summary>
internal static partial class Techniques
{
    /// <summary>Application Layer Protocol: what a C2 contact is when the feed names no technique.</summary>
    public const string C2 = "T1071";

    /// <summary>Exfiltration Over C2 Channel.</summary>
    public const string Exfiltration = "T1041";

    public static bool IsTechnique(string text) => Exact().IsMatch(text);

    /// <summary>The technique ids a tag names (<c>misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1192"</c>).</summary>
    public static IEnumerable<string> In(string text) => Anywhere().Matches(text).Select(m => m.Value);

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$")]
    private static partial Regex Exact();

    [GeneratedRegex(@"\bT\d{4}(\.\d{3})?\b")]
    private static partial Regex Anywhere();
}
