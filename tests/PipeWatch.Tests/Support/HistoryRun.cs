using PipeWatch.Engine;
using PipeWatch.Findings;

namespace PipeWatch.Tests.Support;

/// <summary>Writes a workflow history into a temp folder and ingests it into a fresh store: the detectors' test bench.</summary>
internal sealed class HistoryRun : IDisposable
{
    private readonly TempFolder _temp = new();

    public string Folder => _temp.Path;

    /// <summary>Writes <paramref name="normal"/> normal runs, then whatever <paramref name="then"/> writes, and ingests it all.</summary>
    public async Task<IngestResult> IngestAsync(int normal, Action<WorkflowHistory> then, string? config = null)
    {
        var folder = Directory.CreateDirectory(_temp.File("history")).FullName;
        var history = new WorkflowHistory(folder);
        for (var n = 1; n <= normal; n++)
        {
            history.Write(WorkflowHistory.Normal(n));
        }

        then(history);
        var options = config is null ? null : ConfigLoader.Parse(config, "pipewatch.yml");
        return await Ingest.RunAsync(_temp.File("store.db"), [folder], options);
    }

    /// <summary>The findings of one category.</summary>
    public static IReadOnlyList<Finding> Of(IngestResult result, string category) => [.. result.Findings.Where(f => f.Category == category)];

    public void Dispose() => _temp.Dispose();
}
