using PipeWatch.Findings;
using PipeWatch.Sinks;

namespace PipeWatch.Tests.Support;

/// <summary>Findings as the alerts a sink receives, with no incident (as from a scan without a store).</summary>
internal static class AlertLists
{
    public static Alert[] AsAlerts(this IEnumerable<Finding> findings) => [.. findings.Select(f => new Alert(f))];
}
