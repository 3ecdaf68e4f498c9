using System.Globalization;
using System.Text.RegularExpressions;

namespace PipeWatch.Sources.JobLogs;

/// <summary>
/// A GitHub Actions job log as downloaded from a run: each line prefixed with its ISO-8601 time
/// (<c>2025-03-14T16:03:37.1234567Z</c>), steps opened by <c>##[group]Run …</c>; also the <c>gh run view --log</c>
/// form, whose lines start with the job and step names separated by tabs.
/// </summary>
internal sealed partial class GitHubActionsLogFormat : IJobLogFormat
{
    /// <summary>The step of the lines a job log holds before its first <c>##[group]Run</c>.</summary>
    public const string SetUpJob = "Set up job";

    public string Id => "github-actions-log";

    public string? Platform => "github";

    public bool Recognizes(IReadOnlyList<string> head) =>
        head.Count > 0 && (Timestamped().IsMatch(head[0]) || GhCli().IsMatch(head[0])) && !GitLabJobTraceFormat.IsStreamPrefixed(head[0]);

    public IJobLogParser CreateParser(string? stepHint) => new Parser(stepHint);

    internal static DateTimeOffset? ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    [GeneratedRegex(@"^\uFEFF?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamped();

    [GeneratedRegex(@"^\uFEFF?([^\t]+)\t([^\t]*)\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?", RegexOptions.CultureInvariant)]
    private static partial Regex GhCli();

    [GeneratedRegex(@"^Job defined at: ([^/\s]+/[^/\s]+)/(\S+?)@", RegexOptions.CultureInvariant)]
    private static partial Regex JobDefinedAt();

    private sealed class Parser(string? stepHint) : IJobLogParser
    {
        private string _step = stepHint ?? SetUpJob;

        public string? Repository { get; private set; }

        public string? Pipeline { get; private set; }

        public LogLine Read(string raw)
        {
            DateTimeOffset? time = null;
            string? job = null;
            var text = raw;
            if (GhCli().Match(raw) is { Success: true } cli)
            {
                job = cli.Groups[1].Value;
                if (cli.Groups[2].Value is { Length: > 0 } step && step != "UNKNOWN STEP") _step = step;
                time = ParseTime(cli.Groups[3].Value);
                text = raw[cli.Length..];
            }
            else if (Timestamped().Match(raw) is { Success: true } stamped)
            {
                time = ParseTime(stamped.Groups[1].Value);
                text = raw[stamped.Length..];
            }

            text = AnsiText.Strip(text);
            if (text.StartsWith("##[", StringComparison.Ordinal) && text.IndexOf(']', 3) is var close and > 3)
            {
                var command = text[3..close];
                text = text[(close + 1)..];
                // A step starts with its "Run …" group; other groups (Operating System, with:, env:) sit inside a step.
                if (job is null && command == "group" && text.StartsWith("Run ", StringComparison.Ordinal)) _step = text;
            }
            else if (job is null && text == "Post job cleanup.")
            {
                _step = "Post job cleanup";
            }
            else if (job is null && text == "Cleaning up orphan processes")
            {
                _step = "Complete job";
            }
            else if (Repository is null && JobDefinedAt().Match(text) is { Success: true } defined)
            {
                Repository = defined.Groups[1].Value;
                Pipeline = defined.Groups[2].Value;
            }

            return new LogLine(text, _step, time, job);
        }
    }
}
