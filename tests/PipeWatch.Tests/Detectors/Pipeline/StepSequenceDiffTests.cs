using PipeWatch.Detectors.Pipeline;
using Xunit;

namespace PipeWatch.Tests.Detectors.Pipeline;

public sealed class StepSequenceDiffTests
{
    [Fact]
    public void Same_sequence_has_no_changes()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C"], ["A", "B", "C"]);

        Assert.Empty(diff.Added);
        Assert.Empty(diff.Removed);
        Assert.Empty(diff.Moved);
        Assert.Empty(diff.Descriptions);
    }

    [Fact]
    public void Step_inserted_between_known_steps_is_reported_with_its_neighbours()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C"], ["A", "X", "B", "C"]);

        Assert.Equal(["X"], diff.Added);
        Assert.Empty(diff.Removed);
        Assert.Empty(diff.Moved);
        Assert.Equal(["'X' added between 'A' and 'B'"], diff.Descriptions);
    }

    [Fact]
    public void Step_added_first_is_reported_before_the_next_step()
    {
        var diff = StepSequenceDiff.Between(["A", "B"], ["X", "A", "B"]);

        Assert.Equal(["'X' added before 'A'"], diff.Descriptions);
    }

    [Fact]
    public void Step_added_last_is_reported_after_the_previous_step()
    {
        var diff = StepSequenceDiff.Between(["A", "B"], ["A", "B", "X"]);

        Assert.Equal(["'X' added after 'B'"], diff.Descriptions);
    }

    [Fact]
    public void Only_step_of_a_job_is_reported_as_such()
    {
        var diff = StepSequenceDiff.Between([], ["X"]);

        Assert.Equal(["X"], diff.Added);
        Assert.Equal(["'X' added as the only step"], diff.Descriptions);
    }

    [Fact]
    public void Step_dropped_is_reported_as_removed()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C"], ["A", "C"]);

        Assert.Empty(diff.Added);
        Assert.Equal(["B"], diff.Removed);
        Assert.Empty(diff.Moved);
        Assert.Equal(["'B' removed"], diff.Descriptions);
    }

    [Fact]
    public void Step_swapped_with_its_neighbour_is_reported_as_moved_not_added_and_removed()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C", "D"], ["A", "C", "B", "D"]);

        Assert.Empty(diff.Added);
        Assert.Empty(diff.Removed);
        Assert.Equal(["B"], diff.Moved);
        Assert.Equal(["'B' moved between 'C' and 'D'"], diff.Descriptions);
    }

    [Fact]
    public void Last_step_moved_to_the_front_is_reported_before_the_old_first()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C"], ["C", "A", "B"]);

        Assert.Equal(["C"], diff.Moved);
        Assert.Equal(["'C' moved before 'A'"], diff.Descriptions);
    }

    [Fact]
    public void Second_copy_of_a_step_is_reported_as_added()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C"], ["A", "B", "B", "C"]);

        Assert.Equal(["B"], diff.Added);
        Assert.Empty(diff.Removed);
        Assert.Empty(diff.Moved);
        Assert.Equal(["'B' added between 'B' and 'C'"], diff.Descriptions);
    }

    [Fact]
    public void One_of_two_copies_of_a_step_dropped_is_reported_as_removed()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "B", "C"], ["A", "B", "C"]);

        Assert.Empty(diff.Added);
        Assert.Equal(["B"], diff.Removed);
        Assert.Equal(["'B' removed"], diff.Descriptions);
    }

    [Fact]
    public void Added_steps_are_described_before_removed_ones()
    {
        var diff = StepSequenceDiff.Between(["A", "B", "C"], ["A", "C", "Y"]);

        Assert.Equal(["Y"], diff.Added);
        Assert.Equal(["B"], diff.Removed);
        Assert.Equal(["'Y' added after 'C'", "'B' removed"], diff.Descriptions);
    }

    [Fact]
    public void Step_names_compare_case_sensitively()
    {
        var diff = StepSequenceDiff.Between(["Build"], ["build"]);

        Assert.Equal(["build"], diff.Added);
        Assert.Equal(["Build"], diff.Removed);
    }
}
