using PipeWatch.Findings;

namespace PipeWatch.Alerting;

/// <summary>Decides whether a finding goes on to the store and the sinks (allowlists, suppressions).</summary>
/// <remarks>Called from the detection stage only; stateless filters need no locking. Must not throw.</remarks>
public interface IFindingFilter
{
    bool ShouldEmit(Finding finding);
}
