using Microsoft.Extensions.Time.Testing;
using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sinks;
using PipeWatch.Sources.Git;
using PipeWatch.Store.Sqlite;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Runs the real scan engine with the registered commit detectors over a real repository (or folder), as <c>pipewatch scan</c> does; with a store path, into that SQLite store.</summary>
/// <remarks>A folder scan leaves out the commit-event detectors, as <c>scan --no-git</c> does, unless <c>commits</c> says otherwise.</remarks>
internal static class Scan
{
    public static async Task<ScanResult> RunAsync(
        string path, GitSelection? selection = null, PipeWatchConfig? config = null, SecretRuleBook? rules = null, int workers = 2, bool folder = false,
        bool? commits = null, string? store = null, IAdvisoryIndex? advisories = null)
    {
        using var opened = store is null ? null : SqliteStore.Open(store);
        var problems = new ProblemLog();
        var sink = new CollectingSink();
        config ??= PipeWatchConfig.Default;
        using ICommitSource source = folder ? new FolderSource(path, problems, workers) : new GitHistorySource(GitRepository.Open(path), selection ?? GitSelection.Default);
        var engine = new PipelineBuilder(opened)
            .WithConfig(config with { Allow = [] })
            .WithCommitDetectors(BuiltInDetectors.ForScan(config, rules ?? SecretRuleBook.BuiltIn, advisories, commits: commits ?? !folder))
            .WithTime(new FakeTimeProvider(Ingest.Now))
            .WithProblems(problems)
            .WithScanOptions(new ScanOptions { Workers = workers })
            .AddSink(sink)
            .BuildScan();
        var summary = await engine.RunAsync(source, null, TestContext.Current.CancellationToken);
        return new ScanResult(summary, sink.Findings, problems.Problems);
    }

    /// <summary>Every commit a source yields, oldest first.</summary>
    public static List<SourcedCommit> Commits(string path, GitSelection? selection = null)
    {
        using var source = new GitHistorySource(GitRepository.Open(path), selection ?? GitSelection.Default);
        return [.. source.Read(TestContext.Current.CancellationToken)];
    }
}

internal sealed record ScanResult(ScanSummary Summary, IReadOnlyList<Finding> Findings, IReadOnlyList<Problem> Problems);
