using PipeWatch.Alerting;
using PipeWatch.Findings;

namespace PipeWatch.Cli.Commands;

/// <summary>
/// Lets every finding through and remembers it: after an ingest, the findings this input raised that the store already had
/// (reported by an earlier run, still open) are the remembered ones that did not reach the sinks as new.
/// </summary>
/// <remarks>Added after the allowlist, so an allowed finding is not counted as open. Called from the detection stage only.</remarks>
internal sealed class RaisedFindingsFilter : IFindingFilter
{
    private readonly Dictionary<string, Finding> _raised = new(StringComparer.Ordinal);

    public bool ShouldEmit(Finding finding)
    {
        _raised.TryAdd(finding.Fingerprint, finding);
        return true;
    }

    /// <summary>Findings raised in this run and not among <paramref name="reportedAsNew"/>: already in the store.</summary>
    public IReadOnlyList<Finding> KnownBefore(IEnumerable<Finding> reportedAsNew)
    {
        var fresh = reportedAsNew.Select(f => f.Fingerprint).ToHashSet(StringComparer.Ordinal);
        return [.. _raised.Values.Where(f => !fresh.Contains(f.Fingerprint))];
    }
}
