using System.Buffers;
using PipeWatch.Sources.Git;
using Xunit;

namespace PipeWatch.Tests.Sources.Git;

/// <summary>Added lines as one text: the same lines and numbers as a list of lines, and searches that visit each line with a hit once.</summary>
public sealed class AddedTextTests
{
    [Fact]
    public void A_whole_file_is_its_lines_numbered_from_one()
    {
        var text = AddedText.FromFile("alpha\n\nγάμμα δ\nlast");

        Assert.Equal([new AddedLine(1, "alpha"), new AddedLine(2, ""), new AddedLine(3, "γάμμα δ"), new AddedLine(4, "last")], text);
        Assert.Equal(4, text.Count);
        Assert.Equal("γάμμα δ", text.Span(2).ToString());
        Assert.Equal([5, 0, 7, 4], Enumerable.Range(0, 4).Select(text.Length));
        Assert.Equal([0, 0, 1, 2, 2, 3], new[] { 0, 5, 6, 7, 14, 15 }.Select(text.IndexAt));
    }

    [Fact]
    public void An_empty_file_is_one_empty_line_and_no_lines_are_none()
    {
        Assert.Equal([new AddedLine(1, "")], AddedText.FromFile(""));
        Assert.Empty(AddedText.Of([]));
        Assert.Equal(string.Empty, AddedText.Of([]).Text);
    }

    [Fact]
    public void Diff_lines_keep_their_numbers_in_the_new_file_and_join_with_newlines()
    {
        AddedLine[] lines = [new(3, "token = 1"), new(4, ""), new(9, "end")];

        var text = AddedText.Of(lines);

        Assert.Equal("token = 1\n\nend", text.Text);
        Assert.Equal(lines, text);
        Assert.Equal([3, 4, 9], Enumerable.Range(0, 3).Select(text.Number));
        Assert.Same(text, AddedText.Of(text));
    }

    [Fact]
    public void A_list_of_added_lines_is_joined_once_for_every_detector_that_asks()
    {
        List<AddedLine> lines = [new(1, "a"), new(2, "b")];

        var first = AddedText.Of(lines);

        Assert.Same(first, AddedText.Of(lines));
        Assert.NotSame(first, AddedText.Of([new(1, "a"), new(2, "b")]));
        Assert.Equal("a\nb", AddedText.Of([.. lines]).Text);
    }

    [Fact]
    public void Lines_containing_a_value_are_each_visited_once_in_order()
    {
        var text = AddedText.FromFile("eval(eval(x))\nplain\nnew Function(y)\n\nexec");

        Assert.Equal([0, 2, 4], text.LinesContaining(SearchValues.Create(["eval", "function", "exec"], StringComparison.OrdinalIgnoreCase)));
        Assert.Empty(text.LinesContaining(SearchValues.Create(["powershell"], StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void Lines_with_a_character_outside_ascii_are_found_and_ascii_ones_skipped()
    {
        var text = AddedText.FromFile("plain\nisАdmin and ÿ\n\u007f\nzero\u200Bwidth");

        Assert.Equal([1, 3], text.LinesWithNonAscii());
        Assert.Empty(AddedText.FromFile("all ascii\n~").LinesWithNonAscii());
    }
}
