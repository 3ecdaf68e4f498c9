using PipeWatch.Rules.Sigma;
using Xunit;
using static PipeWatch.Tests.Rules.Sigma.SigmaTestRules;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>The modifiers that look outside the value: fieldref (another field of the event) and expand (placeholders from the config).</summary>
public sealed class SigmaFieldRefAndExpandTests
{
    public static TheoryData<string, string?, string?, bool> FieldRefRows => new()
    {
        // fieldref: the value names a field; the test compares with that field's value, case-insensitively.
        { "f|fieldref: g", "alice", "ALICE", true },
        { "f|fieldref: g", "alice", "bob", false },
        { "f|fieldref: g", null, null, false },
        { "f|fieldref: g", "alice", null, false },
        { "f|fieldref|cased: g", "alice", "ALICE", false },
        // with contains/startswith/endswith the other field's value is the text looked for.
        { "f|fieldref|contains: g", "deploy-by-alice-prod", "alice", true },
        { "f|fieldref|startswith: g", "alice-prod", "alice", true },
        { "f|fieldref|endswith: g", "alice-prod", "alice", false },
        // with neq (Sigma 2.1): the two fields differ; a missing one differs.
        { "f|fieldref|neq: g", "alice", "bob", true },
        { "f|fieldref|neq: g", "alice", "Alice", false },
        { "f|fieldref|neq: g", "alice", null, true },
    };

    [Theory]
    [MemberData(nameof(FieldRefRows))]
    public void Fieldref_compares_two_fields_of_the_event(string item, string? f, string? g, bool expected)
    {
        var rule = Rule($"selection:\n    {item}\ncondition: selection");
        var fields = new List<(string, object?)>();
        if (f is not null) fields.Add(("f", f));
        if (g is not null) fields.Add(("g", g));

        Assert.Equal(expected, rule.Matches(Fields([.. fields])));
    }

    [Fact]
    public void Expand_replaces_a_placeholder_with_each_configured_value()
    {
        var options = new SigmaLoadOptions { Placeholders = new Dictionary<string, IReadOnlyList<string>> { ["admins"] = ["alice", "bob"], ["org"] = ["acme"] } };
        var result = SigmaRuleLoader.Parse("title: t\nlogsource:\n    product: test\ndetection:\n    selection:\n        actor|expand: '%admins%'\n        repo|expand|startswith: '%org%/'\n    condition: selection\n", "t.yml", options);
        var rule = result.Rule!;

        Assert.True(rule.Matches(Fields(("actor", "bob"), ("repo", "acme/api"))));
        Assert.True(rule.Matches(Fields(("actor", "ALICE"), ("repo", "acme/web"))));
        Assert.False(rule.Matches(Fields(("actor", "carol"), ("repo", "acme/api"))));
        Assert.False(rule.Matches(Fields(("actor", "bob"), ("repo", "other/api"))));
    }

    [Fact]
    public void Without_expand_a_placeholder_is_plain_text()
    {
        var rule = Rule("selection:\n    f: '%admins%'\ncondition: selection");

        Assert.True(rule.Matches(Fields(("f", "%admins%"))));
        Assert.False(rule.Matches(Fields(("f", "alice"))));
    }
}
