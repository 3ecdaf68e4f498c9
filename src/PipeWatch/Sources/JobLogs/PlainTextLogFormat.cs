namespace PipeWatch.Sources.JobLogs;

/// <summary>A log of no known platform: lines as they are, colours removed, no steps. Picked for <c>.log</c> and <c>.txt</c> files no other format recognizes, or with <c>--source plain-log</c>.</summary>
internal sealed class PlainTextLogFormat : IJobLogFormat
{
    public string Id => "plain-log";

    public string? Platform => null;

    /// <summary>Never from content alone: any text would do, so the file name decides (see <see cref="JobLogFormats.Detect(string)"/>).</summary>
    public bool Recognizes(IReadOnlyList<string> head) => false;

    public IJobLogParser CreateParser(string? stepHint) => new Parser(stepHint);

    private sealed class Parser(string? step) : IJobLogParser
    {
        public string? Repository => null;

        public string? Pipeline => null;

        public LogLine Read(string raw) => new(AnsiText.Strip(raw), step, null);
    }
}
