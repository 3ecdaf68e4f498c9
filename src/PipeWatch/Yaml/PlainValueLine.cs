using System.Text.RegularExpressions;

namespace PipeWatch.Yaml;

/// <summary>
/// A YAML line that is one block-mapping key and its plain one-line value, <c>[- ]KEY: VALUE [# comment]</c>: the only kind of
/// line a dependency bot's bump changes, and the only kind whose new value the incremental readers of a CI definition take
/// without parsing the file again (<c>ValueChange</c>, <c>WorkflowSlots</c>).
/// </summary>
/// <remarks>
/// Spaces only (a tab is not YAML indentation); the dash opens a sequence entry. VALUE is <c>[A-Za-z0-9_./@+-]</c> with inner
/// colons, each followed by more of it (a colon before a space or the end would start a mapping): no quote, escape, anchor,
/// alias, flow or comment character, so YAML reads it as exactly that text. The comment holds only characters YAML allows and
/// reads as no line break (no control character, byte order mark or non-character: a parser may refuse those, and then the
/// whole parse fails where a derived version would not).
/// </remarks>
internal static partial class PlainValueLine
{
    /// <summary>Matches such a line; the groups are <c>lead</c> (everything up to the value) and <c>value</c>.</summary>
    [GeneratedRegex(@"^(?<lead> *(?:- +)?[A-Za-z0-9_][A-Za-z0-9_.-]*: +)(?<value>[A-Za-z0-9_./][A-Za-z0-9_./@+-]*(?::[A-Za-z0-9_./@+-]+)*)(?: +#(?:[\t\x20-\x7E\xA0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF][\uDC00-\uDFFF])*)? *$", RegexOptions.CultureInvariant)]
    public static partial Regex Pattern();
}
