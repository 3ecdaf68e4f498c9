namespace PipeWatch.Events;

/// <summary>The most characters one event field keeps: a longer value is cut, and says so and by how much.</summary>
/// <remarks>
/// A value is copied into baselines, findings and the store many times over: 20 MB in one <c>workflow_job.name</c> took
/// 2.2 GB of memory and an 882 MB store. 64 K characters is far above any real name, path, command line or message field
/// (job logs are read in bounded sections of their own), so only a hostile value is cut; the marker keeps the cut visible.
/// </remarks>
internal static class FieldLimit
{
    public const int MaxChars = 64 * 1024;

    /// <summary><paramref name="value"/>, or its first <see cref="MaxChars"/> characters and a marker naming how many were cut.</summary>
    public static string? Clip(string? value) =>
        value is null || value.Length <= MaxChars ? value : string.Concat(value.AsSpan(0, MaxChars), $"…[{value.Length - MaxChars} more characters cut]");
}
