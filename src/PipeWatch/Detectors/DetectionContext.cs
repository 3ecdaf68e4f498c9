using PipeWatch.Baselines;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors;

/// <summary>What a detector gets from the engine: its baselines, the clock, and where findings go.</summary>
public sealed class DetectionContext
{
    private readonly Action<Finding> _report;

    public DetectionContext(BaselineSet baselines, TimeProvider time, Action<Finding> report)
    {
        Baselines = baselines;
        Time = time;
        _report = report;
    }

    /// <summary>This detector's learned state, keyed by the detector's own keys.</summary>
    public BaselineSet Baselines { get; }

    public TimeProvider Time { get; }

    /// <summary>Now, from the injected clock: the <see cref="Finding.DetectedAt"/> of new findings.</summary>
    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Hands a finding on, with every secret in its text redacted: no detector can carry one to an output or the store.</summary>
    public void Report(Finding finding) => _report(SecretRedactor.BuiltIn.Redact(finding));
}
