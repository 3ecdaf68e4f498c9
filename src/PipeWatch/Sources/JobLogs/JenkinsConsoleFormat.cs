using System.Text.RegularExpressions;

namespace PipeWatch.Sources.JobLogs;

/// <summary>
/// Jenkins console text (<c>/consoleText</c>, or the build's <c>log</c> file with its hidden console notes): Pipeline
/// markers (<c>[Pipeline] stage</c>, <c>[Pipeline] { (Build)</c>, <c>[Pipeline] }</c>), optional Timestamper prefixes.
/// </summary>
internal sealed partial class JenkinsConsoleFormat : IJobLogFormat
{
    public string Id => "jenkins-console";

    public string? Platform => "jenkins";

    public bool Recognizes(IReadOnlyList<string> head)
    {
        if (head.Count == 0) return false;
        var first = Clean(head[0], out _);
        return first.StartsWith("Started by ", StringComparison.Ordinal)
            || first.StartsWith("Running as SYSTEM", StringComparison.Ordinal)
            || head.Any(line => Clean(line, out _).StartsWith("[Pipeline] ", StringComparison.Ordinal));
    }

    public IJobLogParser CreateParser(string? stepHint) => new Parser();

    // Console notes (ESC[8mha:////…ESC[0m: serialized annotations), colours, then the Timestamper prefix.
    private static string Clean(string raw, out DateTimeOffset? time)
    {
        var text = raw.Contains("\u001b[8mha:", StringComparison.Ordinal) ? ConsoleNote().Replace(raw, string.Empty) : raw;
        text = AnsiText.Strip(text);
        time = null;
        if (text.Length > 0 && (text[0] == '[' || char.IsAsciiDigit(text[0])) && Timestamp().Match(text) is { Success: true } stamp)
        {
            if (stamp.Groups[1].Success) time = GitHubActionsLogFormat.ParseTime(stamp.Groups[1].Value);
            text = text[stamp.Length..];
        }

        return text;
    }

    [GeneratedRegex(@"\u001b\[8mha:[^\u001b]*\u001b\[0m", RegexOptions.CultureInvariant)]
    private static partial Regex ConsoleNote();

    [GeneratedRegex(@"^\[?(?:(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)|\d\d:\d\d:\d\d(?:\.\d+)?)\]? ", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^\[Pipeline\] \{ \((.+)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex NamedBlock();

    [GeneratedRegex(@"git config remote\.origin\.url \S*?[:/]([^/:\s]+/[^/\s]+?)(?:\.git)?(?:\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex Remote();

    private sealed class Parser : IJobLogParser
    {
        // The open Pipeline blocks: a stage or parallel branch name, or null for node, withEnv and other blocks.
        private readonly List<string?> _blocks = [];

        public string? Repository { get; private set; }

        public string? Pipeline => null;

        public LogLine Read(string raw)
        {
            var text = Clean(raw, out var time);
            if (text.StartsWith("[Pipeline] ", StringComparison.Ordinal))
            {
                if (NamedBlock().Match(text) is { Success: true } named) _blocks.Add(named.Groups[1].Value);
                else if (text == "[Pipeline] {") _blocks.Add(null);
                else if (text == "[Pipeline] }" && _blocks.Count > 0) _blocks.RemoveAt(_blocks.Count - 1);
            }
            else if (Repository is null && Remote().Match(text) is { Success: true } remote)
            {
                Repository = remote.Groups[1].Value;
            }

            return new LogLine(text, _blocks.LastOrDefault(b => b is not null), time);
        }
    }
}
