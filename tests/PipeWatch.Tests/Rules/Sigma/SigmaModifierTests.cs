using Xunit;
using static PipeWatch.Tests.Rules.Sigma.SigmaTestRules;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>Field modifiers, wildcards, null values and case rules, each row from the Sigma specification's text.</summary>
public sealed class SigmaModifierTests
{
    public static TheoryData<string, string?, bool> Rows => new()
    {
        // Plain values match the whole value, case-insensitively.
        { "f: 'Whoami'", "whoami", true },
        { "f: 'whoami'", "whoami.exe", false },
        // contains / startswith / endswith.
        { "f|contains: 'AMI'", "whoami.exe", true },
        { "f|startswith: 'WHO'", "whoami", true },
        { "f|startswith: 'ami'", "whoami", false },
        { "f|endswith: '.EXE'", "whoami.exe", true },
        { "f|endswith: 'who'", "whoami", false },
        // Wildcards: * any run, ? one character; escaped with a backslash.
        { "f: 'who*.exe'", "WhoAmI.exe", true },
        { "f: 'who?mi'", "whoami", true },
        { "f: 'who?mi'", "whomi", false },
        { @"f: 'a\*b'", "a*b", true },
        { @"f: 'a\*b'", "axxb", false },
        { @"f: 'a\?b'", "axb", false },
        { @"f: 'C:\Windows\System32'", @"c:\windows\system32", true },
        { @"f: 'C:\Windows\*'", @"C:\Windows*", true },
        { @"f: 'C:\Windows\*'", @"C:\Windows\x", false },
        { @"f: 'a\\*'", @"a\anything", true },
        { "f|contains: 'a*c'", "xxabbcxx", true },
        // A list of values is OR; with 'all' it is AND.
        { "f:\n    - 'one'\n    - 'two'", "two", true },
        { "f|contains|all:\n    - 'curl'\n    - '| sh'", "curl -s x | sh", true },
        { "f|contains|all:\n    - 'curl'\n    - '| sh'", "curl -s x", false },
        // Regular expressions are case-sensitive and unanchored unless flagged.
        { "f|re: 'W[a-z]+'", "xWhoami", true },
        { "f|re: 'W[a-z]+'", "whoami", false },
        { "f|re|i: 'W[a-z]+'", "whoami", true },
        { "f|re: '^a.b$'", "a\nb", false },
        { "f|re|s: '^a.b$'", "a\nb", true },
        { "f|re: '^b$'", "a\nb", false },
        { "f|re|m: '^b$'", "a\nb", true },
        // cidr.
        { "f|cidr: '10.0.0.0/8'", "10.1.2.3", true },
        { "f|cidr: '10.0.0.0/8'", "11.1.2.3", false },
        { "f|cidr: '2001:db8::/32'", "2001:db8::1", true },
        { "f|cidr: '10.0.0.0/8'", "not an ip", false },
        // Numeric comparisons.
        { "f|gt: 10", "11", true },
        { "f|gt: 10", "10", false },
        { "f|gte: 10", "10", true },
        { "f|lt: 10", "9.5", true },
        { "f|lte: 10", "10.1", false },
        { "f|lt: 10", "ten", false },
        // base64: the value, encoded; matched as written (case-sensitive).
        { "f|base64: 'http://'", "aHR0cDovLw==", true },
        { "f|base64|contains: 'http://'", "xxaHR0cDovLw==xx", true },
        { "f|base64: 'http://'", "AHR0CDOVLW==", false },
        // base64offset: the three encodings of the value at offsets 0, 1 and 2 of a longer text.
        { "f|base64offset|contains: 'ping'", Convert.ToBase64String("ping -n 1"u8.ToArray()), true },
        { "f|base64offset|contains: 'ping'", Convert.ToBase64String("xping -n 1"u8.ToArray()), true },
        { "f|base64offset|contains: 'ping'", Convert.ToBase64String("xxping -n 1"u8.ToArray()), true },
        { "f|base64offset|contains: 'ping'", Convert.ToBase64String("pong -n 1"u8.ToArray()), false },
        // utf16le / wide: the value as UTF-16LE before base64.
        { "f|wide|base64offset|contains: 'ping'", Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("xping")), true },
        { "f|utf16le|base64: 'ab'", Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("ab")), true },
        { "f|utf16le|base64: 'ab'", Convert.ToBase64String("ab"u8.ToArray()), false },
        // windash: a flag's dash may be any of - / en dash, em dash, horizontal bar.
        { "f|windash|contains: ' -exec '", "find / -exec x", true },
        { "f|windash|contains: ' -exec '", "find . exec x", false },
        { "f|windash|contains: ' -exec '", "find . /exec x", true },
        { "f|windash|contains: ' -exec '", "find . \u2013exec x", true },
        { "f|windash|contains: ' -exec '", "find . \u2014exec x", true },
        { "f|windash|contains: ' -exec '", "find . \u2015exec x", true },
        { "f|windash|contains: ' -exec '", "find . _exec x", false },
        { "f|windash: '-a -b'", "/a \u2013b", true },
        { "f|windash: 'a/b'", "a-b", true },
        // cased: case-sensitive plain and wildcard values.
        { "f|cased: 'Whoami'", "Whoami", true },
        { "f|cased: 'Whoami'", "whoami", false },
        { "f|contains|cased: 'AM*'", "whoAMi", true },
        { "f|contains|cased: 'AM*'", "whoami", false },
        // Null: the field is absent or null; an empty string is a value.
        { "f: null", null, true },
        { "f: null", "", false },
        { "f: ''", "", true },
        { "f: ''", null, false },
        // neq (Sigma 2.1): the field differs from the value; numbers compare as numbers; an absent field differs.
        { "f|neq: 'main'", "release", true },
        { "f|neq: 'main'", "MAIN", false },
        { "f|neq: 'main'", null, true },
        { "f|neq: 10", "10.0", false },
        { "f|neq: 10", "11", true },
        { "f|neq:\n    - 'a'\n    - 'b'", "a", true },
        { "f|neq|all:\n    - 'a'\n    - 'b'", "a", false },
        { "f|neq|all:\n    - 'a'\n    - 'b'", "c", true },
        { "f|neq|cased: 'Main'", "main", true },
        // Time parts (Sigma 2.1): a number taken from a date, compared as a number.
        { "f|hour: 3", "2026-11-27T03:15:00Z", true },
        { "f|hour: 3", "2026-11-27T04:15:00Z", false },
        { "f|hour|gte: 22", "2026-11-27T23:05:00+00:00", true },
        { "f|hour|gte: 22", "2026-11-27T21:05:00Z", false },
        { "f|minute|lt: 10", "2026-11-27T21:05:00Z", true },
        { "f|day: 27", "2026-11-27T21:05:00Z", true },
        { "f|month|neq: 11", "2026-11-27T21:05:00Z", false },
        { "f|year: 2026", "2026-11-27T21:05:00Z", true },
        { "f|week: 48", "2026-11-27T21:05:00Z", true },
        { "f|hour: 3", "not a date", false },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Field_value_matches_per_specification(string item, string? value, bool expected)
    {
        var rule = Rule($"selection:\n    {item.Replace("\n", "\n    ")}\ncondition: selection");

        Assert.Equal(expected, rule.Matches(Fields(("f", value))));
    }

    [Fact]
    public void Exists_is_true_for_a_field_present_with_a_null_value()
    {
        var rule = Rule("selection:\n    f|exists: true\ncondition: selection");

        Assert.True(rule.Matches(Fields(("f", null))));
    }

    [Fact]
    public void Null_matches_an_absent_field()
    {
        var rule = Rule("selection:\n    f: null\ncondition: selection");

        Assert.True(rule.Matches(Fields(("other", "x"))));
        Assert.False(rule.Matches(Fields(("f", "x"))));
    }

    [Theory]
    [InlineData("true", "x", true)]
    [InlineData("true", null, false)]
    [InlineData("false", null, true)]
    [InlineData("false", "x", false)]
    [InlineData("true", "", true)]
    public void Exists_tests_presence_not_value(string exists, string? value, bool expected)
    {
        var rule = Rule($"selection:\n    f|exists: {exists}\ncondition: selection");
        var fields = value is null ? Fields(("other", "x")) : Fields(("f", value));

        Assert.Equal(expected, rule.Matches(fields));
    }

    [Fact]
    public void Values_compare_to_numbers_as_text()
    {
        var rule = Rule("selection:\n    EventID: 4688\ncondition: selection");

        Assert.True(rule.Matches(Fields(("EventID", 4688))));
        Assert.True(rule.Matches(Fields(("EventID", "4688"))));
        Assert.False(rule.Matches(Fields(("EventID", 46880))));
    }

    [Fact]
    public void A_list_field_matches_when_any_element_matches()
    {
        var rule = Rule("selection:\n    f|contains|all:\n        - 'a'\n        - 'b'\ncondition: selection");

        Assert.True(rule.Matches(Fields(("f", new[] { "xa", "bx" }))));
        Assert.False(rule.Matches(Fields(("f", new[] { "xa", "cx" }))));
    }

    [Theory]
    [InlineData("keywords:\n    - 'wget *; chmod +x'\ncondition: keywords", "cd /tmp; WGET http://x; chmod +x a", true)]
    [InlineData("keywords:\n    - 'wget *; chmod +x'\ncondition: keywords", "wget http://x", false)]
    [InlineData("keywords:\n    - 'rm -rf'\n    - 'shred'\ncondition: keywords", "shred -u file", true)]
    [InlineData("keywords:\n    '|all':\n        - 'curl'\n        - 'sh'\ncondition: keywords", "curl | sh", true)]
    [InlineData("keywords:\n    '|all':\n        - 'curl'\n        - 'bash'\ncondition: keywords", "curl | sh", false)]
    public void Keywords_search_every_value(string detection, string message, bool expected)
    {
        var rule = Rule(detection);

        Assert.Equal(expected, rule.Matches(Fields(("message", message), ("other", "unrelated"))));
    }

    [Theory]
    [InlineData("f|contains|startswith: 'a'", "modifiers 'contains' and 'startswith' cannot be combined")]
    [InlineData("f|base64offset: 'a'", "'base64offset' needs the 'contains' modifier")]
    [InlineData("f|wide: 'a'", "'wide' must be followed by 'base64' or 'base64offset'")]
    [InlineData("f|i: 'a'", "the regex flags 'i', 'm' and 's' need the 're' modifier")]
    [InlineData("f|re: '(unclosed'", "invalid regular expression '(unclosed'")]
    [InlineData("f|cidr: '10.0.0.0/99'", "'10.0.0.0/99' is not a CIDR network")]
    [InlineData("f|gt: 'ten'", "'gt' needs a number, got 'ten'")]
    [InlineData("f|exists: 'yes'", "'exists' takes the value true or false")]
    [InlineData("f|bogus: 'a'", "unknown modifier 'bogus'")]
    [InlineData("f|expand: '%x%'", "placeholder '%x%' has no values (set sigma.placeholders.x in pipewatch.yml)")]
    [InlineData("f|neq|contains: 'a'", "modifiers 'neq' and 'contains' cannot be combined")]
    [InlineData("f|fieldref|re: 'g'", "'fieldref' cannot be combined with 're'")]
    [InlineData("f|hour|contains: '3'", "'hour' can only be followed by lt, lte, gt, gte or neq")]
    [InlineData("f|hour: 'three'", "'hour' needs a whole number, got 'three'")]
    [InlineData("f|all: 'a'", "'all' needs a list of two or more values")]
    [InlineData("f|re|cased: 'a'", "'cased' cannot be combined with 're'")]
    [InlineData("f|contains: null", "'contains' cannot match a null value")]
    public void Bad_modifiers_are_reported_on_their_line(string item, string reason)
    {
        var problems = Problems($"selection:\n    {item}\ncondition: selection");

        var problem = Assert.Single(problems);
        Assert.StartsWith("test.yml:6: detection.selection: f: ", problem);
        Assert.Contains(reason, problem);
    }
}
