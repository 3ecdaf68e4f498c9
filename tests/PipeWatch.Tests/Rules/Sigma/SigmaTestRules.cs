using PipeWatch.Rules.Sigma;
using Xunit;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>Builds small rules from a detection section, and events from field/value pairs, for table tests.</summary>
internal static class SigmaTestRules
{
    /// <summary>A rule whose detection is <paramref name="detection"/> (YAML, indented by four spaces per level below <c>detection:</c>).</summary>
    public static SigmaRule Rule(string detection)
    {
        var result = SigmaRuleLoader.Parse(Yaml(detection), "test.yml");
        Assert.True(result.Rule is not null, string.Join("; ", result.Problems));
        return result.Rule!;
    }

    /// <summary>The problems of a rule whose detection is <paramref name="detection"/>.</summary>
    public static IReadOnlyList<string> Problems(string detection) =>
        [.. SigmaRuleLoader.Parse(Yaml(detection), "test.yml").Problems.Select(p => p.ToString())];

    private static string Yaml(string detection) =>
        "title: Test\nlogsource:\n    product: test\ndetection:\n" + string.Join('\n', detection.Split('\n').Select(l => "    " + l)) + "\n";

    public static DictionaryFields Fields(params (string Field, object? Value)[] fields) => new(fields.ToDictionary(f => f.Field, f => f.Value));
}

/// <summary>A field source over a dictionary; a key with a null value is a present, null field.</summary>
internal sealed class DictionaryFields(Dictionary<string, object?> fields) : ISigmaFieldSource
{
    public bool TryGet(string field, out object? value) => fields.TryGetValue(field, out value);

    public IEnumerable<string> AllValues() => fields.Values.OfType<string>();
}
