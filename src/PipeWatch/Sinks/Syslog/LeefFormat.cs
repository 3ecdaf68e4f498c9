using System.Globalization;
using System.Text;

namespace PipeWatch.Sinks.Syslog;

/// <summary>A finding as one IBM QRadar LEEF 2.0 event: <c>LEEF:2.0|PipeWatch|PipeWatch|version|rule|x09|</c> then tab-separated attributes.</summary>
/// <remarks>
/// The delimiter is a tab, declared in the header as <c>x09</c>; tabs and line breaks inside values become spaces (LEEF has no
/// escape). Attribute keys are LEEF's predefined ones (<c>devTime</c> with <c>devTimeFormat</c>, <c>cat</c>, <c>sev</c> 1–10,
/// <c>usrName</c>, <c>src</c>, <c>resource</c>, <c>url</c>) and PipeWatch's own (<c>title</c>, <c>reason</c>, <c>fingerprint</c>, …).
/// </remarks>
internal static class LeefFormat
{
    public static string Line(Alert alert, string productVersion)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var f = alert.Finding;
        var text = new StringBuilder(512);
        text.Append("LEEF:2.0|PipeWatch|PipeWatch|").Append(Header(productVersion)).Append('|').Append(Header(f.Rule)).Append("|x09|");
        var first = true;
        void Add(string key, string? value)
        {
            if (value is null) return;
            if (!first) text.Append('\t');
            first = false;
            text.Append(key).Append('=').Append(Value(value));
        }

        Add("devTime", f.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Add("devTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        Add("cat", f.Category);
        Add("sev", CefFormat.Severity(f.Severity).ToString(CultureInfo.InvariantCulture));
        Add("title", f.Title);
        Add("reason", f.Explanation.Length > CefFormat.MaxMessage ? f.Explanation[..CefFormat.MaxMessage] : f.Explanation);
        Add("usrName", f.Entity.Actor);
        if (f.Evidence.FirstOrDefault(e => e.Name == "ip") is { } ip && System.Net.IPAddress.TryParse(ip.Value, out _)) Add("src", ip.Value);
        Add("resource", f.Entity.Repository);
        Add("url", f.Location.Url);
        Add("file", f.Location.File);
        Add("techniques", f.Techniques.Count == 0 ? null : string.Join(",", f.Techniques));
        Add("incident", alert.Incident?.Id);
        Add("fingerprint", f.Fingerprint);
        return text.ToString();
    }

    private static string Header(string value) => value.Replace("|", "_", StringComparison.Ordinal).Replace("\t", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Value(string value) => value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
