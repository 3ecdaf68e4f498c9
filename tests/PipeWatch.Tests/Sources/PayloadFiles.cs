using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using Xunit;

namespace PipeWatch.Tests.Sources;

/// <summary>Reads a payload file through <see cref="JsonFileSource"/> with every built-in format, as <c>ingest</c> does.</summary>
internal static class PayloadFiles
{
    public static async Task<(IReadOnlyList<Event> Events, IReadOnlyList<Problem> Problems)> ReadAsync(string path)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        var source = new JsonFileSource(path, PayloadFormats.All);
        await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return (events, problems.Problems);
    }

    /// <summary>A fixture copied to the test output, e.g. <c>Fixture("Jenkins", "build-success.json")</c>.</summary>
    public static string Fixture(string origin, string name) => Path.Combine(AppContext.BaseDirectory, "Sources", origin, "Fixtures", name);

    public static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
