using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources.Files;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Engine;

public sealed class IngestEngineTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task A_detector_that_throws_is_reported_and_counted_and_the_others_still_run()
    {
        var path = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");
        var problems = new ProblemLog();
        var counting = new CountingDetector();
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var engine = new PipeWatch.Engine.PipelineBuilder(store).WithDetectors([new ThrowingDetector(), counting]).WithProblems(problems).Build();

        var summary = await engine.RunAsync(InputFiles.Sources([path]), null, TestContext.Current.CancellationToken);

        Assert.Equal(1, summary.Events);
        Assert.Equal(1, counting.Seen);
        var problem = Assert.Single(problems.Problems);
        Assert.Equal(path, problem.File);
        Assert.Equal("detector test.throwing failed on event github:job:289782451:1:completed: InvalidOperationException: boom", problem.Reason);
        Assert.Equal(1, summary.Problems);
    }

    public void Dispose() => _temp.Dispose();

    private sealed class ThrowingDetector : IDetector
    {
        public DetectorInfo Info { get; } = new("test.throwing", Categories.LongDuration, [EventKind.PipelineJob], "Throws on every job.");

        public void Inspect(Event e, DetectionContext context) => throw new InvalidOperationException("boom");
    }

    private sealed class CountingDetector : IDetector
    {
        public int Seen { get; private set; }

        public DetectorInfo Info { get; } = new("test.counting", Categories.LongDuration, [EventKind.PipelineJob], "Counts jobs.");

        public void Inspect(Event e, DetectionContext context) => Seen++;
    }
}
