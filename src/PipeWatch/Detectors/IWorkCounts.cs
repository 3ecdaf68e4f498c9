namespace PipeWatch.Detectors;

/// <summary>A detector that counts some of its work (files parsed, say), for <c>scan --profile</c>.</summary>
/// <remarks>Detectors sharing one count report it under the same name; the profile keeps one.</remarks>
internal interface IWorkCounts
{
    /// <summary>Each count so far, by what it counts.</summary>
    IEnumerable<(string Name, long Count)> WorkCounts { get; }
}
