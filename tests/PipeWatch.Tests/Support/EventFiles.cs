using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Reads input files into events through the real format recognition, as ingest does, and fails on any problem.</summary>
internal static class EventFiles
{
    public static async Task<IReadOnlyList<Event>> ReadAsync(params string[] files)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        foreach (var source in InputFiles.Sources(files))
        {
            await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken)) events.Add(e);
        }

        Assert.Empty(problems.Problems);
        return events;
    }
}
