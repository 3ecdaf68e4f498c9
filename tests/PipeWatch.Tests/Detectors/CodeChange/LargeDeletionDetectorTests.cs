using PipeWatch.Detectors.CodeChange;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

public sealed class LargeDeletionDetectorTests
{
    private static readonly DateTime Tuesday = CodeChangeHistory.Start.AddDays(43);

    [Fact]
    public void Removing_a_1500_line_file_in_a_history_of_small_edits_is_reported_against_both_distributions()
    {
        var history = new CodeChangeHistory().Normal();

        var commit = history.Commit(CodeChangeHistory.At("Bob", Tuesday, 11, 20, TimeSpan.FromHours(-5)), ("data/catalog.txt", null));

        var finding = Assert.Single(history.Findings);
        Assert.Equal((Categories.LargeDeletion, "code-change.large-deletion", "data/catalog.txt", commit.Sha), (finding.Category, finding.Rule, finding.Location.File, finding.Location.Commit));
        Assert.Equal(
            "The commit deletes 1500 lines over 1 hand-written file(s) (1500 more than it adds); the repository's last 92 commits deleted a median of 3 (spread 1), so this is 1497 spreads above it (threshold 6, floor 300 lines). " +
            "data/catalog.txt loses 1500 lines (the file is removed); changed files lose a median of 3 (spread 1) over the last 92.",
            finding.Explanation);
    }

    [Fact]
    public void Whether_a_path_is_hand_written_is_remembered_as_the_path_rules_give_it_and_the_memo_stays_bounded()
    {
        var detector = new LargeDeletionDetector();
        string[] paths = ["src/app.py", "package-lock.json", "vendor/lib/x.go", "data/catalog.txt", "locale/de/LC_MESSAGES/messages.po"];

        Assert.Equal([true, false, false, true, false], paths.Select(detector.IsHandWritten));
        Assert.Equal([true, false, false, true, false], paths.Select(detector.IsHandWritten));
        for (var i = 0; i <= LargeDeletionDetector.RememberedPaths; i++) Assert.False(detector.IsHandWritten($"dist/bundle-{i}.js"));
        Assert.Equal([true, false, false, true, false], paths.Select(detector.IsHandWritten));
        Assert.Equal(paths.Select(ThirdPartyCode.IsHandWritten), paths.Select(detector.IsHandWritten));
    }

    [Fact]
    public void A_deletion_below_the_absolute_floor_is_not_reported_however_unusual()
    {
        var history = new CodeChangeHistory().Normal();
        var trimmed = string.Concat(Enumerable.Range(1, 1300).Select(i => $"item {i}\n"));

        history.Commit(CodeChangeHistory.At("Carol", Tuesday, 14, 5, new TimeSpan(5, 30, 0)), ("data/catalog.txt", trimmed));

        Assert.Empty(history.Findings);
    }

    [Theory]
    [InlineData("package-lock.json")]
    [InlineData("docs/_static/jquery.js")]
    [InlineData("locale/de/LC_MESSAGES/messages.po")]
    [InlineData("tests/fixtures/response.json")]
    public void Removing_a_lockfile_vendored_copy_translation_or_data_file_is_not_a_large_deletion(string path)
    {
        var history = new CodeChangeHistory().Normal();
        history.Commit(CodeChangeHistory.At("Carol", Tuesday, 14, 5, new TimeSpan(5, 30, 0)), (path, string.Concat(Enumerable.Range(1, 1500).Select(i => $"entry {i}\n"))));

        history.Commit(CodeChangeHistory.At("Carol", Tuesday.AddDays(1), 14, 5, new TimeSpan(5, 30, 0)), (path, null));

        Assert.Empty(history.Findings);
    }

    [Fact]
    public void Rewriting_a_1500_line_file_in_place_or_moving_it_to_other_files_is_not_a_large_deletion()
    {
        var history = new CodeChangeHistory().Normal();

        // A changelog re-encoded line for line (1,500 deleted, 1,500 added), then the catalog split into three files.
        history.Commit(CodeChangeHistory.At("Carol", Tuesday, 14, 5, new TimeSpan(5, 30, 0)), ("data/catalog.txt", string.Concat(Enumerable.Range(1, 1500).Select(i => $"item {i}:\n"))));
        history.Commit(
            CodeChangeHistory.At("Carol", Tuesday.AddDays(1), 14, 5, new TimeSpan(5, 30, 0)),
            [("data/catalog.txt", null), .. Enumerable.Range(0, 3).Select(part => ($"data/catalog_{part}.txt", (string?)string.Concat(Enumerable.Range(1, 500).Select(i => $"item {(part * 500) + i}\n"))))]);

        Assert.Empty(history.Findings);
    }
}
