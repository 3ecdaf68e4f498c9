using System.Text;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>
/// Compares an output with its golden file in an <c>Expected</c> folder beside the tests; with <c>PIPEWATCH_UPDATE_GOLDEN=1</c>
/// set it writes the output there instead, for a person to review in the diff and commit.
/// </summary>
/// <param name="folder">The test folder, relative to <c>tests/PipeWatch.Tests</c>, whose <c>Expected</c> folder holds the files.</param>
internal sealed class Golden(string folder)
{
    public const string UpdateVariable = "PIPEWATCH_UPDATE_GOLDEN";

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>The golden file's path in the source tree (not the build output), so an update lands where git sees it.</summary>
    public string PathOf(string name) => Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", folder, "Expected", name);

    /// <summary>Fails, naming the first line that differs, unless <paramref name="actual"/> equals the golden file byte for byte.</summary>
    public void Verify(string name, string actual)
    {
        var path = PathOf(name);
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        Assert.True(File.Exists(path), $"{Relative(path)} does not exist; run the test with {UpdateVariable}=1 to write it, then review and commit it.");
        var expected = File.ReadAllText(path);
        if (string.Equals(expected, actual, StringComparison.Ordinal)) return;
        Assert.Fail(Describe(Relative(path), expected, actual));
    }

    private static string Describe(string file, string expected, string actual)
    {
        var want = expected.Split('\n');
        var got = actual.Split('\n');
        var line = 0;
        while (line < want.Length && line < got.Length && string.Equals(want[line], got[line], StringComparison.Ordinal)) line++;
        return $"""
            {file} differs from this output at line {line + 1} ({want.Length} lines expected, {got.Length} produced):
              expected: {(line < want.Length ? want[line] : "<end of file>")}
              actual:   {(line < got.Length ? got[line] : "<end of output>")}
            If the change is intended, run the test with {UpdateVariable}=1 and review the diff of the Expected file.
            """;
    }

    private static string Relative(string path) => Path.GetRelativePath(Corpus.RepositoryRoot, path);
}
