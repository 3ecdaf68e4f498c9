using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.ThreatIntel;

/// <summary>Imports feed files into a real store as <c>pipewatch intel import</c> does, for the detector tests.</summary>
internal static class IntelStore
{
    public static void Import(string store, params string[] feeds)
    {
        using var opened = SqliteStore.Open(store);
        foreach (var feed in feeds)
        {
            var problems = new ProblemLog();
            var reading = IntelFeeds.ReadFile(feed, null, null, problems);
            Assert.NotEmpty(reading.Indicators);
            opened.ImportIndicators(reading, Ingest.Now, TimeSpan.FromDays(90), TestContext.Current.CancellationToken);
        }
    }
}
