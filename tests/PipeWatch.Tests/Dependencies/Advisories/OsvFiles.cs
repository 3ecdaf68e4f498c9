using System.Text.Json;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Tests.Dependencies.Advisories;

/// <summary>OSV records from the corpus (<c>advisories/osv-schema</c>) and from this folder's Fixtures (published GitHub advisories).</summary>
internal static class OsvFiles
{
    public static string Fixtures { get; } = Path.Combine(Support.Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Dependencies", "Advisories", "Fixtures");

    public static Advisory Corpus(params string[] parts) => Read(Support.Corpus.File(["advisories", "osv-schema", .. parts]));

    public static Advisory Fixture(string id) => Read(Path.Combine(Fixtures, id + ".json"));

    public static Advisory Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return OsvRecord.Read(document.RootElement, out var reason) ?? throw new InvalidOperationException($"{path}: {reason}");
    }
}
