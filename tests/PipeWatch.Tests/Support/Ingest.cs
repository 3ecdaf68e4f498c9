using Microsoft.Extensions.Time.Testing;
using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Store;
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
        return await RunAsync(store, problems, opened => InputFiles.Sources(files, null, opened.AdvisoryState()), config);
    }

    /// <summary>The same over given sources (an artifact folder).</summary>
    public static Task<IngestResult> RunSourcesAsync(string store, IReadOnlyList<ISource> sources, PipeWatchConfig? config = null) =>
        RunAsync(store, new ProblemLog(), _ => sources, config);

    private static async Task<IngestResult> RunAsync(string store, ProblemLog problems, Func<SqliteStore, IReadOnlyList<ISource>> sources, PipeWatchConfig? config)
    {
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
        var summary = await engine.RunAsync(sources(opened), null, TestContext.Current.CancellationToken);
        return new IngestResult(summary, sink.Findings, problems.Problems);
    }
}

/// <summary>
/// The same engine over files into any store the test opened (SQLite or PostgreSQL), for the tests that compare the two: dependency
/// files matched against the store's own advisories, the rest against its own indicators, as ingest, serve and a worker do.
/// </summary>
internal static class IngestInto
{
    /// <summary>The findings the run raised (new ones only: the store's ledger drops what it already holds); a problem fails the test.</summary>
    public static async Task<IReadOnlyList<Finding>> FindingsAsync(IStore store, IEnumerable<string> paths)
    {
        var (summary, findings, problems) = await RunAsync(store, paths);
        Assert.Empty(problems);
        return findings;
    }

    /// <summary>The whole run: its summary, its findings and the problems it reported.</summary>
    public static async Task<(IngestSummary Summary, IReadOnlyList<Finding> Findings, IReadOnlyList<Problem> Problems)> RunAsync(
        IStore store, IEnumerable<string> paths, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var problems = new ProblemLog();
        var files = InputFiles.Expand(paths, problems);
        var sink = new CollectingSink();
        var advisories = store as IAdvisoryStore;
        using var index = advisories?.OpenAdvisoryIndex();
        var builder = new PipelineBuilder(store)
            .WithConfig(PipeWatchConfig.Default)
            .WithAdvisories(index)
            .WithIntel(ExfilServices.With(store is IIntelStore intel ? intel.ReadIndicators() : [], Ingest.Now))
            .WithTime(new FakeTimeProvider(Ingest.Now))
            .WithProblems(problems)
            .AddSink(sink);
        if (batchSize is { } size) builder = builder.WithOptions(new EngineOptions { BatchSize = size });
        var summary = await builder.Build().RunAsync(InputFiles.Sources(files, null, advisories?.AdvisoryState()), null, TestContext.Current.CancellationToken);
        return (summary, sink.Findings, problems.Problems);
    }

    /// <summary>Each finding as a person reads it and as dedup keys it (fingerprint, rule, severity, place, title, explanation), in a stable order.</summary>
    public static string[] Described(IEnumerable<Finding> findings) =>
        [.. findings.Select(f => $"{f.Fingerprint} {f.Rule} {f.Severity} {f.Location.File}:{f.Location.Line}\n{f.Title}\n{f.Explanation}").Order(StringComparer.Ordinal)];
}

internal sealed record IngestResult(IngestSummary Summary, IReadOnlyList<Finding> Findings, IReadOnlyList<Problem> Problems);
