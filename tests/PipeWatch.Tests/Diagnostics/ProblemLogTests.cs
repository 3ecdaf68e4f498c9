using PipeWatch.Diagnostics;
using Xunit;

namespace PipeWatch.Tests.Diagnostics;

public sealed class ProblemLogTests
{
    [Fact]
    public void Past_its_capacity_the_log_keeps_the_most_recent_problems_and_counts_them_all()
    {
        var log = new ProblemLog(capacity: 3);

        for (var i = 1; i <= 10; i++)
        {
            log.Report(new Problem($"file-{i}.json", "invalid JSON"));
        }

        Assert.Equal(["file-8.json", "file-9.json", "file-10.json"], log.Problems.Select(p => p.File));
        Assert.Equal(10, log.Count);
        Assert.Equal(7, log.Forgotten);
    }

    [Fact]
    public void Under_its_capacity_the_log_keeps_every_problem_in_order()
    {
        var log = new ProblemLog();

        log.Report(new Problem("a.json", "file is empty"));
        log.Report(new Problem("b.json", "truncated", 4));

        Assert.Equal([new Problem("a.json", "file is empty"), new Problem("b.json", "truncated", 4)], log.Problems);
        Assert.Equal(2, log.Count);
        Assert.Equal(0, log.Forgotten);
        Assert.Equal(ProblemLog.DefaultCapacity, log.Capacity);
    }

    [Fact]
    public void The_default_log_stays_bounded_under_a_flood_of_problems()
    {
        var log = new ProblemLog();

        Parallel.For(0, 50_000, i => log.Report(new Problem("webhook:github/" + i, "invalid JSON")));

        Assert.Equal(ProblemLog.DefaultCapacity, log.Problems.Count);
        Assert.Equal(50_000, log.Count);
    }

    [Fact]
    public void Every_problem_is_forwarded_even_those_the_log_forgets()
    {
        var next = new ProblemLog(capacity: 100);
        var log = new ProblemLog(next, capacity: 1);

        log.Report(new Problem("a.json", "x"));
        log.Report(new Problem("b.json", "y"));

        Assert.Single(log.Problems);
        Assert.Equal(2, next.Problems.Count);
    }

    [Fact]
    public void A_capacity_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProblemLog(capacity: 0));
}
