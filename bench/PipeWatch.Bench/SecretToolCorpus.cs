using System.Text;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Bench;

/// <summary>Writes the files issue 3 (c) compares secret scanners on: real source text, and every built-in rule's true examples planted one per file.</summary>
/// <remarks>
/// <c>OUT/source/</c> holds the first <c>megabytes</c> of <see cref="SourceTextCorpus.Collect"/>, or with <c>natural</c> of
/// <see cref="SourceTextCorpus.CollectNatural"/> (paths kept below the root, so a
/// scanner's ignore rules for <c>node_modules</c> or <c>packages</c> folders do not apply: each file is renamed to a
/// numbered <c>.txt</c>); <c>OUT/planted/RULE.N.txt</c> holds match example N of a rule between two lines of ordinary
/// text; <c>OUT/planted.tsv</c> lists each planted file with its rule. Run by <c>bench/secret-tools.sh</c>.
/// </remarks>
internal static class SecretToolCorpus
{
    /// <param name="benchOut">The repository's <c>bench/out</c>; see <see cref="BenchOutputFolder.Prepare"/> for what may be replaced.</param>
    public static int Write(string folder, string benchOut, long megabytes, bool natural, bool force, TextWriter output, TextWriter error)
    {
        var source = Path.Combine(folder, "source");
        var planted = Path.Combine(folder, "planted");
        if (BenchOutputFolder.Prepare(folder, benchOut, force) is { } refusal)
        {
            error.WriteLine($"refusing to write the corpus: {refusal}");
            return 2;
        }

        Directory.CreateDirectory(source);
        Directory.CreateDirectory(planted);

        var files = natural ? SourceTextCorpus.CollectNatural(megabytes * 1_000_000) : SourceTextCorpus.Collect(megabytes * 1_000_000);
        var index = new StringBuilder();
        for (var i = 0; i < files.Count; i++)
        {
            var name = $"{i:D5}{Path.GetExtension(files[i].Path)}.txt";
            File.WriteAllText(Path.Combine(source, name), files[i].Text);
            index.Append(name).Append('\t').Append(files[i].Path).Append('\n');
        }

        File.WriteAllText(Path.Combine(folder, "source.tsv"), index.ToString());
        var list = new StringBuilder();
        var count = 0;
        foreach (var rule in SecretRuleLoader.LoadBuiltIn().Rules)
        {
            for (var n = 0; n < rule.MatchExamples.Count; n++)
            {
                var name = $"{rule.Id}.{n + 1}.txt";
                File.WriteAllText(Path.Combine(planted, name), $"# settings for the staging deploy\n{rule.MatchExamples[n]}\n# end of settings\n");
                list.Append(name).Append('\t').Append(rule.Id).Append('\n');
                count++;
            }
        }

        File.WriteAllText(Path.Combine(folder, "planted.tsv"), list.ToString());
        output.WriteLine($"wrote {files.Count:N0} {(natural ? "natural " : string.Empty)}source files ({files.Sum(f => f.Bytes) / 1e6:N1} MB, " +
            $"{files.Sum(f => f.Bytes) / 1e3 / Math.Max(1, files.Count):N0} KB on average) to {source} and {count} planted examples to {planted}");
        return 0;
    }
}
