using System.Globalization;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Sinks.Syslog;

/// <summary>A finding as one ArcSight Common Event Format (CEF 0) line: the syslog sink's payload and <c>--format cef</c>.</summary>
/// <remarks>
/// <c>CEF:0|PipeWatch|PipeWatch|version|rule|title|severity|extension</c>. In the header a backslash and a pipe are escaped with a
/// backslash; in extension values a backslash, an equals sign and line breaks (<c>\n</c>, <c>\r</c>) are. Extension keys are CEF's
/// own dictionary (<c>rt</c>, <c>cat</c>, <c>msg</c>, <c>suser</c>, <c>duser</c>, <c>src</c>, <c>request</c>, <c>fname</c>,
/// <c>externalId</c>) and labelled custom strings (<c>cs1</c>–<c>cs6</c> with <c>csNLabel</c>). Severity is CEF's 0–10.
/// </remarks>
internal static class CefFormat
{
    /// <summary>The longest <c>msg</c> value; a syslog datagram must stay small.</summary>
    public const int MaxMessage = 2_000;

    public static string Line(Alert alert, string productVersion)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var f = alert.Finding;
        var text = new StringBuilder(512);
        text.Append("CEF:0|PipeWatch|PipeWatch|").Append(Header(productVersion)).Append('|')
            .Append(Header(f.Rule)).Append('|').Append(Header(f.Title)).Append('|')
            .Append(Severity(f.Severity).ToString(CultureInfo.InvariantCulture)).Append('|');
        var first = true;
        void Add(string key, string? value)
        {
            if (value is null) return;
            if (!first) text.Append(' ');
            first = false;
            text.Append(key).Append('=').Append(Extension(value));
        }

        Add("rt", f.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add("cat", f.Category);
        Add("msg", f.Explanation.Length > MaxMessage ? f.Explanation[..MaxMessage] : f.Explanation);
        Add("externalId", f.Fingerprint);
        Add("suser", f.Entity.Actor);
        Add("duser", f.Entity.Target);
        if (f.Evidence.FirstOrDefault(e => e.Name == "ip") is { } ip && System.Net.IPAddress.TryParse(ip.Value, out _)) Add("src", ip.Value);
        Add("request", f.Location.Url);
        Add("fname", f.Location.File);
        Labelled(Add, 1, "repository", f.Entity.Repository);
        Labelled(Add, 2, "pipeline", f.Entity.Pipeline is null ? null : string.Join(" › ", new[] { f.Entity.Pipeline, f.Entity.Job, f.Entity.Step }.Where(p => p is not null)));
        Labelled(Add, 3, "environment", f.Entity.Environment);
        Labelled(Add, 4, "techniques", f.Techniques.Count == 0 ? null : string.Join(",", f.Techniques));
        Labelled(Add, 5, "incident", alert.Incident?.Id);
        Labelled(Add, 6, "commit", f.Location.Commit);
        return text.ToString();
    }

    /// <summary>CEF severity 0–10.</summary>
    public static int Severity(Severity severity) => severity switch
    {
        Findings.Severity.Info => 1,
        Findings.Severity.Low => 3,
        Findings.Severity.Medium => 5,
        Findings.Severity.High => 8,
        _ => 10,
    };

    /// <summary>A header field: backslash and pipe escaped, line breaks made spaces.</summary>
    public static string Header(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
    }

    /// <summary>An extension value: backslash, equals and line breaks escaped.</summary>
    public static string Extension(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
            .Replace("\r\n", "\\n", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
    }

    private static void Labelled(Action<string, string?> add, int n, string label, string? value)
    {
        if (value is null) return;
        add($"cs{n}", value);
        add($"cs{n}Label", label);
    }
}
