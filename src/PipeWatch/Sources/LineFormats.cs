using PipeWatch.Sources.Jenkins;

namespace PipeWatch.Sources;

/// <summary>The one list of plain-text line formats <c>ingest</c> recognizes, in the order they are tried on a file's first line.</summary>
internal static class LineFormats
{
    public static IReadOnlyList<ILineFormat> All { get; } =
    [
        new JenkinsAuditTrailFormat(),
    ];
}
