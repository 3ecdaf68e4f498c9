namespace PipeWatch.Alerting.Signals;

/// <summary>Settings of risk-based alerting (<c>signals:</c> in pipewatch.yml): each behavioural signal's weight, the threshold, the window.</summary>
/// <remarks>
/// The defaults make one signal never enough, two of the strongest enough (a new author who deletes most of the tests), and any
/// signal beside a strong finding enough: the shape of Splunk's risk-based alerting and Elastic's entity risk scoring.
/// </remarks>
public sealed record SignalOptions
{
    /// <summary>The weight of each signal, by its id (<see cref="SignalKinds"/>).</summary>
    public IReadOnlyDictionary<string, int> Weights { get; init; } = SignalKinds.DefaultWeights;

    /// <summary>The summed weight at which signals that coincide raise an alert.</summary>
    public int Threshold { get; init; } = 60;

    /// <summary>How far apart an actor's signals on different commits or events may be and still coincide.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(1);

    /// <summary>False: every finding is an alert, as before signals existed.</summary>
    public bool Enabled { get; init; } = true;
}
