using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Rules.Sigma.SigmaTestRules;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>A few corpus Linux rules, whose fields are Sigma's process and keyword taxonomy, against a hit and a near miss.</summary>
public sealed class LinuxRuleTests
{
    [Fact]
    public void Keyword_rule_finds_a_history_wipe_in_any_value()
    {
        var rule = Load("builtin", "lnx_shell_clear_cmd_history.yml");

        Assert.True(rule.Matches(Fields(("message", "user ran: cat /dev/null > ~/.bash_history"))));
        Assert.False(rule.Matches(Fields(("message", "cat ~/.bash_history"))));
    }

    [Fact]
    public void Regex_rule_is_case_sensitive()
    {
        var rule = Load("process_creation", "proc_creation_lnx_auditctl_clear_rules.yml");

        Assert.True(rule.Matches(Fields(("Image", "/usr/sbin/auditctl"), ("CommandLine", "auditctl -D"))));
        Assert.False(rule.Matches(Fields(("Image", "/usr/sbin/auditctl"), ("CommandLine", "auditctl -d exit,always"))));
    }

    private static SigmaRule Load(params string[] path) =>
        SigmaRuleLoader.LoadFile(Corpus.File(["sigma", "linux", .. path])).Rule!;
}
