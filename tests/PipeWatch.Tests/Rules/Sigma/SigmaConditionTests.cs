using Xunit;
using static PipeWatch.Tests.Rules.Sigma.SigmaTestRules;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>The condition language: and, or, not, parentheses, '1 of' and 'all of' patterns or 'them'.</summary>
public sealed class SigmaConditionTests
{
    // Four searches; an event sets a field to "y" to satisfy the search of the same name.
    private const string Searches = """
        selection_a:
            a: 'y'
        selection_b:
            b: 'y'
        filter_c:
            c: 'y'
        _hidden:
            h: 'y'
        """;

    public static TheoryData<string, string, bool> Rows => new()
    {
        { "selection_a", "a", true },
        { "selection_a and selection_b", "a", false },
        { "selection_a and selection_b", "a b", true },
        { "selection_a or selection_b", "b", true },
        { "not selection_a", "b", true },
        { "not selection_a", "a", false },
        { "selection_a and not filter_c", "a c", false },
        // not binds tighter than and, and tighter than or.
        { "not selection_a and selection_b", "b", true },
        { "selection_a or selection_b and filter_c", "a", true },
        { "(selection_a or selection_b) and filter_c", "a", false },
        { "(selection_a or selection_b) and filter_c", "b c", true },
        { "not (selection_a or selection_b)", "c", true },
        // 1 of / all of a wildcard pattern.
        { "1 of selection_*", "b", true },
        { "1 of selection_*", "c", false },
        { "all of selection_*", "a", false },
        { "all of selection_*", "a b", true },
        { "1 of sel*", "a", true },
        { "1 of *_c", "c", true },
        // not 1 of: none of them.
        { "selection_a and not 1 of filter_*", "a", true },
        { "selection_a and not 1 of filter_*", "a c", false },
        { "not 1 of selection_*", "c", true },
        { "not 1 of selection_*", "b", false },
        { "not all of selection_*", "a", true },
        // them: every search identifier except those starting with an underscore.
        { "1 of them", "h", false },
        { "1 of them", "c", true },
        { "all of them", "a b c", true },
        { "all of them", "a b", false },
        { "_hidden", "h", true },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Condition_evaluates_per_specification(string condition, string present, bool expected)
    {
        var rule = Rule($"{Searches}\ncondition: {condition}");
        var fields = Fields([.. present.Split(' ').Select(f => (f, (object?)"y"))]);

        Assert.Equal(expected, rule.Matches(fields));
    }

    [Fact]
    public void A_list_of_maps_is_an_or_of_ands()
    {
        var rule = Rule("selection:\n    - a: 'y'\n      b: 'y'\n    - c: 'y'\ncondition: selection");

        Assert.True(rule.Matches(Fields(("a", "y"), ("b", "y"))));
        Assert.True(rule.Matches(Fields(("c", "y"))));
        Assert.False(rule.Matches(Fields(("a", "y"))));
    }

    [Theory]
    [InlineData("selection_x", "'selection_x' is not a search identifier of the detection")]
    [InlineData("1 of nothing_*", "'nothing_*' matches no search identifier")]
    [InlineData("selection_a and", "unexpected end")]
    [InlineData("(selection_a", "missing ')'")]
    [InlineData("selection_a selection_b", "unexpected 'selection_b'")]
    [InlineData("2 of selection_*", "'2 of' is not Sigma")]
    [InlineData("selection_a | count() > 5", "aggregation expressions")]
    public void Malformed_condition_is_reported_on_its_line(string condition, string reason)
    {
        var problem = Assert.Single(Problems($"{Searches}\ncondition: {condition}"));

        Assert.StartsWith("test.yml:13: detection.condition: ", problem);
        Assert.Contains(reason, problem);
    }
}
