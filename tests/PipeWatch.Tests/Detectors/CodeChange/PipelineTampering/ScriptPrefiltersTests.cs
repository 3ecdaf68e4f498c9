using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>
/// The checks' prefilters (literals every match of a check's pattern holds) never rule out a script the pattern
/// matches, so skipping the pattern where they say no finds exactly what running it everywhere finds.
/// </summary>
public sealed class ScriptPrefiltersTests(ITestOutputHelper output)
{
    // Each prefilter with the pattern it stands before, as the check applies them (publishing reads the joined script).
    private static readonly string[] Checks = [nameof(TrustedPublishingCheck), nameof(GitHubEnvInjectionCheck)];

    public static TheoryData<string> Prefilters => [.. Checks];

    private static (Func<string, bool> MayMatch, Func<string, bool> Matches) For(string check) => check switch
    {
        nameof(TrustedPublishingCheck) => (TrustedPublishingCheck.MayPublish, s => TrustedPublishingCheck.Publish().IsMatch(TrustedPublishingCheck.Joined(s))),
        nameof(GitHubEnvInjectionCheck) => (GitHubEnvInjectionCheck.MayWrite, GitHubEnvInjectionCheck.Write().IsMatch),
        _ => throw new ArgumentOutOfRangeException(nameof(check)),
    };

    // Real shapes of what each pattern reports, one or more per branch, in the forms attackers write them.
    private static readonly Dictionary<string, string[]> Hits = new()
    {
        [nameof(TrustedPublishingCheck)] =
        [
            "npm publish --access public", "pnpm publish -r", "yarn npm publish", "bunx npm publish", "bun publish",
            "cargo publish --token ${{ secrets.CRATES }}", "cargo +nightly publish", "gem push pkg/*.gem", "dotnet nuget push *.nupkg -k $KEY",
            "nuget.exe push a.nupkg", "twine upload dist/*", "twine==5.1.1 upload dist/*", "uv publish", "poetry publish --build",
            "hatch publish", "pdm publish", "twine \\\n  upload dist/*", "gem \\\n    push x.gem",
        ],
        [nameof(GitHubEnvInjectionCheck)] =
        [
            "echo \"TITLE=$TITLE\" >> $GITHUB_ENV", "echo \"$DIR/bin\" >> \"${GITHUB_PATH}\"", "echo x=$y >>$github_env",
            "Add-Content -Path $env:GITHUB_ENV -Value \"A=$b\"\n\"A=$b\" >> $env:GITHUB_ENV", "echo %V% >> %GITHUB_PATH%",
        ],
    };

    // Fragments the fuzzer joins: the patterns' own words in several cases, their punctuation, and filler.
    private static readonly Dictionary<string, string[]> Tokens = new()
    {
        [nameof(TrustedPublishingCheck)] =
        [
            "npm", "pnpm", "yarn", "bun", "bunx", "cargo", "+nightly", "gem", "dotnet", "nuget", "nuget.exe", "twine", "twine==4.0", "uv", "poetry", "hatch", "pdm",
            "publish", "push", "upload", "Publish", "--dry-run", "-n", " ", " ", "\t", "\n", "#", "\\\n", "\\\n  ", "&&", "echo", "git",
        ],
        [nameof(GitHubEnvInjectionCheck)] =
        [
            "echo", " ", "\n", ">>", ">", "\"", "'", "$", "${", "}", "$env:", "%", "GITHUB_", "github_", "ENV", "PATH", "OUTPUT", "path", "x=$y", "GITHUB_ENV",
        ],
    };

    [Theory]
    [MemberData(nameof(Prefilters))]
    public void Every_branch_the_pattern_reports_passes_its_prefilter(string check)
    {
        var (mayMatch, matches) = For(check);
        foreach (var hit in Hits[check])
        {
            Assert.True(matches(hit), $"{check} does not match '{hit}'");
            Assert.True(mayMatch(hit), $"{check}'s prefilter rules out '{hit}'");
        }
    }

    [Theory]
    [MemberData(nameof(Prefilters))]
    public void Random_joins_of_the_patterns_words_that_match_all_pass_the_prefilter(string check)
    {
        var (mayMatch, matches) = For(check);
        var tokens = Tokens[check];
        var random = new Random(26);
        var matched = 0;
        var ruledOut = 0;
        for (var i = 0; i < 20_000; i++)
        {
            // Half joins of random words, half a hit edited a few times (a word inserted, characters cut, a letter's case flipped).
            var text = i % 2 == 0
                ? string.Concat(Enumerable.Range(0, random.Next(2, 12)).Select(_ => tokens[random.Next(tokens.Length)]))
                : Edited(Hits[check][random.Next(Hits[check].Length)], tokens, random);
            var may = mayMatch(text);
            if (matches(text))
            {
                matched++;
                Assert.True(may, $"{check}'s prefilter rules out '{text}', which the pattern matches");
            }

            if (!may) ruledOut++;
        }

        output.WriteLine($"{check}: {matched} of 20,000 matched, {ruledOut} ruled out");
        // Both sides exercised: a fuzzer that never matched (or never ruled out) would prove nothing.
        Assert.True(matched >= 50, $"{matched} matched");
        Assert.True(ruledOut >= 50, $"{ruledOut} ruled out");
    }

    [Fact]
    public void The_github_env_prefilter_ignores_case_wherever_the_pattern_does()
    {
        // Each letter of a hit replaced by every character the pattern takes for it (Kelvin sign for k, long s, dotted I...):
        // whenever the pattern still matches, so must the prefilter, which matches its literals with the pattern's own options.
        const string check = nameof(GitHubEnvInjectionCheck);
        var (mayMatch, matches) = For(check);
        var tried = 0;
        var equal = new Dictionary<char, List<char>>();
        foreach (var hit in Hits[check])
        {
            for (var at = 0; at < hit.Length; at++)
            {
                if (!char.IsAsciiLetter(hit[at])) continue;
                if (!equal.TryGetValue(hit[at], out var others)) equal[hit[at]] = others = EqualIgnoringCase(hit[at]);
                foreach (var c in others)
                {
                    var text = string.Concat(hit.AsSpan(0, at), c.ToString(), hit.AsSpan(at + 1));
                    if (!matches(text)) continue;
                    tried++;
                    Assert.True(mayMatch(text), $"{check}'s prefilter rules out '{text}' (U+{(int)c:X4} at {at})");
                }
            }
        }

        Assert.True(tried > Hits[check].Length, $"{tried} variants");
    }

    [Fact]
    public void Each_literal_letter_ignores_case_wherever_the_patterns_do()
    {
        // The (?i) pattern takes for each letter exactly the characters the prefilter's ordinal case-insensitive search does, or the
        // prefilter could skip a script the pattern reports (the Kelvin sign is a k to the pattern and not to the search: no
        // literal may hold a k).
        string[][] sets = [GitHubEnvInjectionCheck.WrittenFiles];
        var equal = new Dictionary<char, List<char>>();
        var tried = 0;
        foreach (var literals in sets)
        {
            foreach (var literal in literals)
            {
                for (var at = 0; at < literal.Length; at++)
                {
                    if (!char.IsAsciiLetter(literal[at])) continue;
                    if (!equal.TryGetValue(literal[at], out var others)) equal[literal[at]] = others = EqualIgnoringCase(literal[at]);
                    foreach (var c in others)
                    {
                        tried++;
                        var variant = string.Concat(literal.AsSpan(0, at), c.ToString(), literal.AsSpan(at + 1));
                        Assert.True(Scripts.ContainsAny("x " + variant + " y", literals), $"'{literal}' with U+{(int)c:X4} at {at}");
                    }
                }
            }
        }

        // At least the other case of every letter was tried.
        Assert.True(tried >= sets.Sum(literals => literals.Sum(l => l.Count(char.IsAsciiLetter))), $"{tried} variants");
        Assert.Contains('\u212A', EqualIgnoringCase('k'));
    }

    [Fact]
    public void Every_corpus_script_and_line_a_pattern_matches_passes_its_prefilter()
    {
        var texts = 0;
        var ruledOut = 0;
        foreach (var (path, text) in Corpus.Workflows())
        {
            var platform = CiDefinitionParser.Classify(path) ?? CiDefinitionParser.ClassifyByContent(path, text) ?? CiPlatform.GitHubWorkflow;
            var candidates = new List<string>(CiDefinitionParser.Lines(text));
            if (CiDefinitionParser.Parse(path, text, platform, out _) is { } definition)
            {
                candidates.AddRange(definition.Steps.SelectMany(Scripts.Of).Select(s => s.Value));
            }

            foreach (var candidate in candidates)
            {
                foreach (var check in Checks)
                {
                    var (mayMatch, matches) = For(check);
                    texts++;
                    if (!mayMatch(candidate)) ruledOut++;
                    if (matches(candidate)) Assert.True(mayMatch(candidate), $"{path}: {check}'s prefilter rules out '{candidate}'");
                }
            }
        }

        output.WriteLine($"{ruledOut} of {texts} corpus texts ruled out");
        Assert.True(ruledOut > texts / 2, $"{ruledOut} of {texts}");
    }

    [Fact]
    public void Ordinary_scripts_and_conditions_are_ruled_out()
    {
        Assert.False(TrustedPublishingCheck.MayPublish("git push origin HEAD:main --follow-tags"));
        Assert.False(TrustedPublishingCheck.MayPublish("gh release upload v1 dist/*.tgz"));
        Assert.False(GitHubEnvInjectionCheck.MayWrite("echo \"version=$VERSION\" >> \"$GITHUB_OUTPUT\""));
        // A word a pattern needs is enough to run it: git push beside gem build may be a gem push.
        Assert.True(TrustedPublishingCheck.MayPublish("gem build x.gemspec\ngit push"));
    }

    private static string Edited(string hit, string[] tokens, Random random)
    {
        var text = hit;
        for (var edits = random.Next(1, 5); edits > 0 && text.Length > 0; edits--)
        {
            var at = random.Next(text.Length);
            text = random.Next(3) switch
            {
                0 => text.Insert(at, tokens[random.Next(tokens.Length)]),
                1 => text.Remove(at, Math.Min(random.Next(1, 4), text.Length - at)),
                _ => string.Concat(text.AsSpan(0, at), char.IsUpper(text[at]) ? char.ToLowerInvariant(text[at]).ToString() : char.ToUpperInvariant(text[at]).ToString(), text.AsSpan(at + 1)),
            };
        }

        return text;
    }

    // Every character the patterns' case-insensitive matching takes for the ASCII letter (itself included).
    private static List<char> EqualIgnoringCase(char letter)
    {
        var regex = new Regex("^" + letter + "$", RegexOptions.IgnoreCase);
        var equal = new List<char>();
        for (var c = char.MinValue; c < char.MaxValue; c++)
        {
            if (c != letter && regex.IsMatch(c.ToString())) equal.Add(c);
        }

        return equal;
    }
}
