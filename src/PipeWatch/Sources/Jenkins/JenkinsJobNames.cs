namespace PipeWatch.Sources.Jenkins;

/// <summary>Reads a Jenkins job's full name ("folder/job") from its URL or display name.</summary>
internal static class JenkinsJobNames
{
    public const string Platform = "jenkins";

    /// <summary>
    /// "http://jenkins/ci/job/a/job/b/12/" or "/job/a/job/b/12/wfapi/describe" → "a/b": the segment after each <c>job</c> segment,
    /// unescaped once (a context path before the first <c>job</c> is ignored). Null when there is no <c>/job/NAME</c>.
    /// </summary>
    public static string? FromPath(string? urlOrPath)
    {
        if (string.IsNullOrWhiteSpace(urlOrPath)) return null;
        var path = Uri.TryCreate(urlOrPath, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsolutePath : urlOrPath;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var names = new List<string>();
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            if (segments[i] == "job")
            {
                names.Add(Uri.UnescapeDataString(segments[i + 1]));
                i++;
            }
        }

        return names.Count > 0 ? string.Join('/', names) : null;
    }

    /// <summary>"folder » job #12" → "folder/job"; null when the text is empty.</summary>
    public static string? FromDisplayName(string? fullDisplayName)
    {
        if (string.IsNullOrWhiteSpace(fullDisplayName)) return null;
        var name = fullDisplayName.Trim();
        var hash = name.LastIndexOf(" #", StringComparison.Ordinal);
        if (hash > 0) name = name[..hash];
        return name.Replace(" » ", "/", StringComparison.Ordinal);
    }
}
