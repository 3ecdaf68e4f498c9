using System.Text.RegularExpressions;

namespace PipeWatch.Sources.JobLogs;

/// <summary>
/// A GitLab job trace (the raw job log): ANSI colours, sections opened by <c>section_start:EPOCH:name\r\e[0K</c> and closed by
/// <c>section_end:EPOCH:name</c>, and, with the runner's timestamps on, each line prefixed by its time and stream (<c>… 00O </c>).
/// </summary>
internal sealed partial class GitLabJobTraceFormat : IJobLogFormat
{
    public string Id => "gitlab-job-trace";

    public string? Platform => "gitlab";

    public bool Recognizes(IReadOnlyList<string> head) =>
        head.Any(line => line.Contains("section_start:", StringComparison.Ordinal)
            || AnsiText.Strip(StreamPrefix().Replace(line, string.Empty, 1)).StartsWith("Running with gitlab-runner", StringComparison.Ordinal));

    public IJobLogParser CreateParser(string? stepHint) => new Parser();

    /// <summary>True when the line starts with the runner's timestamp and stream prefix (<c>2024-04-03T12:34:56.123456Z 00O </c>).</summary>
    internal static bool IsStreamPrefixed(string line) => StreamPrefix().IsMatch(line);

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) [0-9a-f]{2}[OE]\+? ?", RegexOptions.CultureInvariant)]
    private static partial Regex StreamPrefix();

    [GeneratedRegex(@"section_(start|end):(\d+):([A-Za-z0-9_.\-]+)(?:\[[^\]\r]*\])?\r?(?:\u001b\[0K)?", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();

    [GeneratedRegex(@"(?:in|of) /builds/(\S+?)/\.git/?", RegexOptions.CultureInvariant)]
    private static partial Regex BuildsFolder();

    private sealed class Parser : IJobLogParser
    {
        private readonly List<string> _sections = [];

        public string? Repository { get; private set; }

        public string? Pipeline => null;

        public LogLine Read(string raw)
        {
            DateTimeOffset? time = null;
            var text = raw;
            if (StreamPrefix().Match(raw) is { Success: true } prefix)
            {
                time = GitHubActionsLogFormat.ParseTime(prefix.Groups[1].Value);
                text = raw[prefix.Length..];
            }

            if (text.Contains("section_", StringComparison.Ordinal))
            {
                foreach (Match marker in Marker().Matches(text))
                {
                    var name = marker.Groups[3].Value;
                    if (marker.Groups[1].Value == "start")
                    {
                        _sections.Add(name);
                        time ??= DateTimeOffset.FromUnixTimeSeconds(long.Parse(marker.Groups[2].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else if (_sections.LastIndexOf(name) is var open and >= 0)
                    {
                        _sections.RemoveRange(open, _sections.Count - open);
                    }
                }

                text = Marker().Replace(text, string.Empty);
            }

            text = AnsiText.Strip(text);
            if (Repository is null && BuildsFolder().Match(text) is { Success: true } builds) Repository = builds.Groups[1].Value;
            return new LogLine(text, _sections.Count > 0 ? _sections[^1] : null, time);
        }
    }
}
