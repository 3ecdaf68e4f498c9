using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>The pin-tag check reading each <c>uses:</c> value once (<see cref="PinReads"/>) finds and learns exactly what reading every version whole does.</summary>
public sealed class PinReadsTests
{
    private const string Path = ".github/workflows/build.yml";

    private const string Checkout = "actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803";

    private const string Workflow = $$"""
        on: push
        jobs:
          call:
            uses: org/shared/.github/workflows/ci.yml@0123456789abcdef0123456789abcdef01234567 # v2.0.0
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: {{Checkout}} # v6.1.0
              - name: Node
                uses: actions/setup-node@1a4442cacd436585916779262731d5b162bc6ec7 # v3.8.2
              - uses: docker://alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000
              - uses: ./local
        """;

    [Fact]
    public void A_history_of_bumps_finds_and_learns_what_reading_every_version_whole_does()
    {
        // Renovate-like: the checkout pin bumped, then its comment swapped back to an older tag at the new SHA (the mismatch), a
        // comment-only change, and the setup-node pin moved to a SHA an earlier version labelled otherwise.
        string[] texts =
        [
            Workflow,
            Workflow.Replace($"{Checkout} # v6.1.0", "actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # v6.2.0", StringComparison.Ordinal),
            Workflow.Replace($"{Checkout} # v6.1.0", "actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # v6.1.0", StringComparison.Ordinal),
            Workflow.Replace($"{Checkout} # v6.1.0", "actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # v6.2", StringComparison.Ordinal),
            Workflow.Replace("1a4442cacd436585916779262731d5b162bc6ec7 # v3.8.2", "1a4442cacd436585916779262731d5b162bc6ec7 # v4.0.0", StringComparison.Ordinal),
        ];
        var cache = new CiDefinitionCache();
        var (pinsOnce, pinsWhole) = (new ActionPins(), new ActionPins());
        var reads = new PinReads();
        CiDefinition? previous = null;
        var found = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var derived = cache.Parse(Path, $"blob{i}", texts[i], CiPlatform.GitHubWorkflow, previous)!;
            var parsed = CiDefinitionParser.Parse(Path, texts[i], CiPlatform.GitHubWorkflow, out _)!;
            var once = PinTagMismatchCheck.Check(derived, pinsOnce, reads).Select(x => x.ToString()).ToList();
            var whole = PinTagMismatchCheck.Check(parsed, pinsWhole).Select(x => x.ToString()).ToList();
            Assert.Equal(whole, once);
            Assert.Equal(Learned(pinsWhole), Learned(pinsOnce));
            found.AddRange(once);
            previous = derived;
        }

        // The versions were derived (the reads were remembered across them), and the two swapped labels were found.
        Assert.NotNull(cache.EditFrom(cache.Parse(Path, "blob3", texts[3], CiPlatform.GitHubWorkflow)!, previous!));
        Assert.Equal(
            ["actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab#v6.1.0", "actions/setup-node@1a4442cacd436585916779262731d5b162bc6ec7#v4.0.0"],
            found.Select(f => f.Split(", Key = ")[1].Split(',')[0]));
    }

    [Fact]
    public void A_value_met_again_on_another_line_is_read_again()
    {
        var reads = new PinReads();
        var uses = new CiText(Checkout, 8);

        Assert.Equal("v6.1.0", reads.Of(uses, $"      - uses: {Checkout} # v6.1.0")!.Tag);
        Assert.Equal("v7.0.0", reads.Of(uses, $"      - uses: {Checkout} # v7.0.0")!.Tag);
        Assert.Null(reads.Of(uses, $"      - uses: {Checkout}"));
        Assert.Null(reads.Of(new CiText("actions/checkout@v4", 8), "      - uses: actions/checkout@v4 # v4.1.0"));
    }

    [Fact]
    public void Every_corpus_definition_checked_twice_through_the_reads_finds_what_reading_it_whole_does()
    {
        var reads = new PinReads();
        var checkedFiles = 0;
        foreach (var (path, text) in Corpus.Workflows())
        {
            if ((CiDefinitionParser.Classify(path) ?? CiDefinitionParser.ClassifyByContent(path, text)) is not { } platform
                || CiDefinitionParser.Parse(path, text, platform, out _) is not { } definition)
            {
                continue;
            }

            checkedFiles++;
            var (pinsOnce, pinsWhole) = (new ActionPins(), new ActionPins());
            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(
                    PinTagMismatchCheck.Check(definition, pinsWhole).Select(x => x.ToString()),
                    PinTagMismatchCheck.Check(definition, pinsOnce, reads).Select(x => x.ToString()));
                Assert.Equal(Learned(pinsWhole), Learned(pinsOnce));
            }
        }

        Assert.True(checkedFiles > 50, $"only {checkedFiles} corpus definitions");
    }

    // What the table learned, as bytes.
    private static byte[] Learned(ActionPins pins)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) pins.Write(writer);
        return stream.ToArray();
    }
}
