using System.Xml;
using System.Xml.Linq;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Opens an XML manifest with line numbers, turning a syntax error into a problem with its line; DTDs are refused.</summary>
internal static class XmlLockfiles
{
    private static readonly XmlReaderSettings Settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    public static XDocument? Open(string path, string text, out LockfileParse? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            failure = LockfileParse.Failed(path, "file is empty");
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new StringReader(text), Settings);
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            failure = LockfileParse.Failed(path, $"invalid XML: {ex.Message}", ex.LineNumber > 0 ? ex.LineNumber : null);
            return null;
        }
    }

    public static int? Line(this XObject node) => node is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : null;

    /// <summary>An attribute or a child element of that local name (MSBuild allows both), trimmed; null when missing or empty.</summary>
    public static string? Value(this XElement e, string name)
    {
        var value = e.Attribute(name)?.Value ?? e.Elements().FirstOrDefault(c => c.Name.LocalName == name)?.Value;
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
