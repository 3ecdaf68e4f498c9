using Microsoft.Extensions.Time.Testing;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sinks;
using PipeWatch.Sources.Files;
using PipeWatch.Store.Sqlite;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Runs the real engine over files into a real SQLite store, as <c>pipewatch ingest</c> does (dependency files matched against the store's advisories, logs, telemetry and artifacts against its indicators), and returns what it did.</summary>
internal static class Ingest
{
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static async Task<IngestResult> RunAsync(string store, IEnumerable<string> paths, PipeWatchConfig? config = null)
    {
        var problems = new ProblemLog();
        var files = InputFiles.Expand(paths, problems);
        var sink = new CollectingSink();
        using var opened = SqliteStore.Open(store);
        using var advisories = opened.OpenAdvisoryIndex();
        var engine = new PipelineBuilder(opened)
            .WithConfig(config ?? PipeWatchConfig.Default)
            .WithAdvisories(advisories)
            .WithIntel(ExfilServices.With(opened.ReadIndicators(), Now))
            .WithTime(new FakeTimeProvider(Now))
            .WithProblems(problems)
            .AddSink(sink)
            .Build();
        var summary = await engine.RunAsync(InputFiles.Sources(files, null, opened.AdvisoryState()), null, TestContext.Current.CancellationToken);
        return new IngestResult(summary, sink.Findings, problems.Problems);
    }
}

internal sealed record IngestResult(IngestSummary Summary, IReadOnlyList<Finding> Findings, IReadOnlyList<Problem> Problems);
