namespace PipeWatch.Rules.Sigma;

/// <summary>The fields of one event as a Sigma rule sees them: by the name the rule uses, and all values for keyword searches.</summary>
/// <remarks>Read from the detecting stage only; an implementation wraps one event and need not be thread-safe.</remarks>
public interface ISigmaFieldSource
{
    /// <summary>The value of <paramref name="field"/>: a string, a number, a list of strings, or null; false when the event has no such field.</summary>
    bool TryGet(string field, out object? value);

    /// <summary>Every value of the event, for field-less (keyword) searches.</summary>
    IEnumerable<string> AllValues();
}

/// <summary>One compiled piece of a detection: a search identifier, a field test, or a condition node.</summary>
internal interface ISigmaMatcher
{
    bool Matches(ISigmaFieldSource source);
}
