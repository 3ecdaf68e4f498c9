namespace PipeWatch.Sources.JobLogs;

/// <summary>One CI job log format: recognizes a log by its first lines and makes a parser that cleans its lines and follows its steps.</summary>
/// <remarks>Stateless and thread-safe; the per-file state lives in the <see cref="IJobLogParser"/> it creates.</remarks>
public interface IJobLogFormat
{
    /// <summary>The id of the format, kebab-case, e.g. <c>github-actions-log</c>; <c>--source</c> takes it.</summary>
    string Id { get; }

    /// <summary><c>ci.platform</c> of its events: github, gitlab, jenkins, or null when unknown.</summary>
    string? Platform { get; }

    /// <summary>True when the first non-blank lines of a file (at most <see cref="JobLogFormats.HeadLines"/>) look like this format.</summary>
    bool Recognizes(IReadOnlyList<string> head);

    /// <summary>A parser for one log; <paramref name="stepHint"/> is the step the file name gives (a per-step file of a GitHub archive), if any.</summary>
    IJobLogParser CreateParser(string? stepHint);
}

/// <summary>Reads one log's lines in order: strips the platform's markup and tracks the step (and, in some formats, the job) each line belongs to.</summary>
/// <remarks>Not thread-safe: one per file.</remarks>
public interface IJobLogParser
{
    /// <summary>Cleans one raw line (without its line break).</summary>
    LogLine Read(string raw);

    /// <summary><c>ci.repository</c>, once the log has named it (GitHub's "Job defined at", a git remote…); null before.</summary>
    string? Repository { get; }

    /// <summary><c>ci.pipeline</c>, once the log has named it; null before.</summary>
    string? Pipeline { get; }
}

/// <summary>One line as the user would read it: its text, the step (and job, when the log names it per line) it belongs to, and its time when the line carries one.</summary>
public readonly record struct LogLine(string Text, string? Step, DateTimeOffset? Time, string? Job = null);
