using PipeWatch.Bench;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Bench;

/// <summary>What a bench suite may delete when it rewrites its output folder (<c>--out</c>): only a folder it marked, and outside bench/out only with <c>--force</c>.</summary>
public sealed class BenchOutputFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private string BenchOut => _temp.File("bench/out");

    [Fact]
    public void A_new_folder_is_created_empty_but_for_the_marker()
    {
        var folder = Path.Combine(BenchOut, "secret-tools");

        Assert.Null(BenchOutputFolder.Prepare(folder, BenchOut, force: false));

        Assert.Equal([BenchOutputFolder.MarkerName], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_marked_folder_inside_bench_out_is_replaced()
    {
        var folder = Path.Combine(BenchOut, "secret-tools");
        BenchOutputFolder.Prepare(folder, BenchOut, force: false);
        File.WriteAllText(Path.Combine(folder, "old.txt"), "from the last run");

        Assert.Null(BenchOutputFolder.Prepare(folder, BenchOut, force: false));

        Assert.False(File.Exists(Path.Combine(folder, "old.txt")));
        Assert.True(File.Exists(Path.Combine(folder, BenchOutputFolder.MarkerName)));
    }

    [Fact]
    public void A_folder_without_the_marker_is_refused_and_left_as_it_was_even_with_force()
    {
        var folder = Directory.CreateDirectory(Path.Combine(BenchOut, "mine")).FullName;
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");

        var refusal = BenchOutputFolder.Prepare(folder, BenchOut, force: false);
        var forced = BenchOutputFolder.Prepare(folder, BenchOut, force: true);

        Assert.Equal($"{folder} is not empty and was not written by a bench suite (it has no {BenchOutputFolder.MarkerName}); remove it yourself or give another --out", refusal);
        Assert.Equal(refusal, forced);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(folder, "notes.txt")));
    }

    [Fact]
    public void A_marked_folder_outside_bench_out_is_replaced_only_with_force()
    {
        var folder = _temp.File("elsewhere/corpus");
        BenchOutputFolder.Prepare(folder, BenchOut, force: true);
        File.WriteAllText(Path.Combine(folder, "old.txt"), "from the last run");

        var refusal = BenchOutputFolder.Prepare(folder, BenchOut, force: false);

        Assert.Equal($"{folder} is outside {BenchOut}; give --force to let the suite delete and rewrite it", refusal);
        Assert.True(File.Exists(Path.Combine(folder, "old.txt")));
        Assert.Null(BenchOutputFolder.Prepare(folder, BenchOut, force: true));
        Assert.False(File.Exists(Path.Combine(folder, "old.txt")));
    }

    [Fact]
    public void Bench_out_itself_and_a_sibling_that_shares_its_name_are_outside_it()
    {
        var sibling = _temp.File("bench/out-old");
        BenchOutputFolder.Prepare(sibling, BenchOut, force: true);
        BenchOutputFolder.Prepare(BenchOut, BenchOut, force: true);
        File.WriteAllText(Path.Combine(sibling, "old.txt"), "x");
        File.WriteAllText(Path.Combine(BenchOut, "old.txt"), "x");

        Assert.NotNull(BenchOutputFolder.Prepare(sibling, BenchOut, force: false));
        Assert.NotNull(BenchOutputFolder.Prepare(BenchOut, BenchOut, force: false));
    }

    [Fact]
    public void The_corpus_suite_refuses_an_unmarked_folder_with_exit_2_and_writes_nothing()
    {
        var folder = Directory.CreateDirectory(_temp.File("bench/out/secret-tools")).FullName;
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = SecretToolCorpus.Write(folder, BenchOut, megabytes: 1, natural: false, force: true, output, error);

        Assert.Equal(2, exit);
        Assert.StartsWith($"refusing to write the corpus: {folder} is not empty", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    public void Dispose() => _temp.Dispose();
}
