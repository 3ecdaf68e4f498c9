using PipeWatch.Detectors.Pipeline;
using Xunit;

namespace PipeWatch.Tests.Detectors.Pipeline;

public sealed class StepSequenceTests
{
    private static readonly string[] Normal = ["Set up job", "Checkout", "Build", "Complete job"];
    private static readonly string[] WithUpload = ["Set up job", "Checkout", "Build", "Upload", "Complete job"];
    private static readonly string[] WithoutBuild = ["Set up job", "Checkout", "Complete job"];

    [Fact]
    public void New_sequence_has_learned_nothing()
    {
        var sequence = StepSequence.Create();

        Assert.Empty(sequence.Learned);
        Assert.Equal(0, sequence.Samples);
        Assert.False(sequence.IsKnown(Normal));
    }

    [Fact]
    public void First_run_is_learned()
    {
        var sequence = StepSequence.Create();

        sequence.Observe(Normal, adoptAfter: 3);

        Assert.Equal(Normal, sequence.Learned);
        Assert.Equal(1, sequence.Samples);
        Assert.True(sequence.IsKnown(Normal));
        Assert.False(sequence.IsKnown(WithUpload));
    }

    [Fact]
    public void Variant_seen_once_is_known_but_not_learned()
    {
        var sequence = Observed(3, Normal, WithUpload);

        Assert.Equal(Normal, sequence.Learned);
        Assert.True(sequence.IsKnown(WithUpload));
        Assert.Equal(2, sequence.Samples);
    }

    [Fact]
    public void Variant_repeated_adopt_after_times_in_a_row_becomes_the_learned_sequence()
    {
        var sequence = Observed(3, Normal, WithUpload, WithUpload);
        Assert.Equal(Normal, sequence.Learned);

        sequence.Observe(WithUpload, adoptAfter: 3);

        Assert.Equal(WithUpload, sequence.Learned);
        Assert.True(sequence.IsKnown(Normal));
    }

    [Fact]
    public void Learned_sequence_seen_again_resets_the_candidate_count()
    {
        var sequence = Observed(3, Normal, WithUpload, WithUpload, Normal, WithUpload, WithUpload);

        Assert.Equal(Normal, sequence.Learned);
    }

    [Fact]
    public void Alternating_variants_are_never_adopted()
    {
        var sequence = Observed(2, Normal, WithUpload, WithoutBuild, WithUpload, WithoutBuild);

        Assert.Equal(Normal, sequence.Learned);
        Assert.Equal(5, sequence.Samples);
    }

    [Fact]
    public void Adopt_after_one_adopts_a_variant_at_once()
    {
        var sequence = Observed(1, Normal, WithUpload);

        Assert.Equal(WithUpload, sequence.Learned);
    }

    [Fact]
    public void Hash_depends_on_order_and_names()
    {
        Assert.Equal(StepSequence.Hash(["A", "B"]), StepSequence.Hash(["A", "B"]));
        Assert.NotEqual(StepSequence.Hash(["A", "B"]), StepSequence.Hash(["B", "A"]));
        Assert.NotEqual(StepSequence.Hash(["A", "BC"]), StepSequence.Hash(["AB", "C"]));
    }

    [Fact]
    public void Round_trip_keeps_learned_sequence_samples_and_known_variants()
    {
        var sequence = Observed(3, Normal, Normal, WithoutBuild, Normal);

        var copy = RoundTrip(sequence);

        Assert.Equal(Normal, copy.Learned);
        Assert.Equal(4, copy.Samples);
        Assert.True(copy.IsKnown(Normal));
        Assert.True(copy.IsKnown(WithoutBuild));
        Assert.False(copy.IsKnown(WithUpload));
    }

    [Fact]
    public void Round_trip_keeps_the_candidate_and_its_repeats()
    {
        var sequence = Observed(3, Normal, WithUpload, WithUpload);

        var copy = RoundTrip(sequence);
        Assert.Equal(Normal, copy.Learned);
        copy.Observe(WithUpload, adoptAfter: 3);

        Assert.Equal(WithUpload, copy.Learned);
    }

    private static StepSequence Observed(int adoptAfter, params string[][] runs)
    {
        var sequence = StepSequence.Create();
        foreach (var run in runs)
        {
            sequence.Observe(run, adoptAfter);
        }

        return sequence;
    }

    private static StepSequence RoundTrip(StepSequence sequence)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            sequence.Write(writer);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        var copy = StepSequence.Read(reader);
        Assert.Equal(buffer.Length, buffer.Position);
        return copy;
    }
}
