using System.Globalization;
using System.Text;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>
/// The per-class table over the whole workflow corpus (zizmor's and poutine's test files): for each workflow weakness rule, the files we
/// labelled as exhibiting it, how many of those it flags, and how many files labelled safe it flags at the default level.
/// </summary>
/// <remarks>
/// Labels live in <c>Fixtures/workflow-classes.tsv</c>, one (rule, file) a line with its reason, read from the file's content. Every file is
/// analysed as a first scan of a plain folder sees it (recognised by path, else by content; a new file, so new-file triggers count). Every
/// flag the default level raises anywhere in the corpus must be judged in the labels, so "no safe file flagged" covers the whole corpus,
/// not only the files we thought to look at. The table is printed and written to <c>workflow-classes.md</c> beside the test assembly, every flag with its line to <c>workflow-flags.tsv</c>.
/// </remarks>
public sealed class WorkflowClassTableTests(ITestOutputHelper output)
{
    private static readonly string LabelFile = Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Detectors", "CodeChange", "Fixtures", "workflow-classes.tsv");

    [Fact]
    public void Every_class_is_recalled_at_90_percent_and_no_safe_file_is_flagged_at_the_default_level()
    {
        var labels = ReadLabels();
        var flags = AnalyseCorpus();
        var rules = labels.Select(l => l.Rule).Concat(flags.Keys.Select(k => k.Rule)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        var table = new StringBuilder();
        table.AppendLine("| rule | files exhibiting | flagged | recall | safe files | safe flagged | unclear flagged |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        var failures = new List<string>();
        foreach (var rule in rules)
        {
            var mine = labels.Where(l => l.Rule == rule).ToList();
            var exhibits = mine.Where(l => l.Label == "exhibits").ToList();
            var safe = mine.Where(l => l.Label == "safe").ToList();
            var unclear = mine.Where(l => l.Label == "unclear").ToList();
            // A class reported only at the pedantic level is recalled at that level; safe files must stay quiet at the default level.
            bool Flagged(string file, bool pedantic) => flags.TryGetValue((rule, file), out var level) && (pedantic || !level.PedanticOnly);
            var pedanticClass = exhibits.Count > 0 && exhibits.All(e => flags.TryGetValue((rule, e.File), out var l) && l.PedanticOnly);
            var hit = exhibits.Where(e => Flagged(e.File, pedantic: true)).ToList();
            var safeHit = safe.Where(s => Flagged(s.File, pedantic: false)).ToList();
            var recall = exhibits.Count == 0 ? "n/a" : ((double)hit.Count / exhibits.Count).ToString("P0", CultureInfo.InvariantCulture);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {rule}{(pedanticClass ? " (pedantic)" : "")} | {exhibits.Count} | {hit.Count} | {recall} | {safe.Count} | {safeHit.Count} | {unclear.Count(u => Flagged(u.File, false))}/{unclear.Count} |");

            var missed = exhibits.Except(hit).Select(e => e.File).ToList();
            if (exhibits.Count > 0 && hit.Count < 0.9 * exhibits.Count) failures.Add($"{rule}: recall {hit.Count}/{exhibits.Count}, missed {string.Join(", ", missed)}");
            if (safeHit.Count > 0) failures.Add($"{rule}: flags safe {string.Join(", ", safeHit.Select(s => s.File))}");
            var judged = mine.Select(l => l.File).ToHashSet(StringComparer.Ordinal);
            var unjudged = flags.Where(f => f.Key.Rule == rule && !f.Value.PedanticOnly && !judged.Contains(f.Key.File)).Select(f => f.Key.File).Order(StringComparer.Ordinal).ToList();
            if (unjudged.Count > 0) failures.Add($"{rule}: flags files with no label: {string.Join(", ", unjudged)}");
        }

        output.WriteLine(table.ToString());
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "workflow-classes.md"), table.ToString());
        // Every flag with its line, for judging a new one: rule, file, line, level.
        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "workflow-flags.tsv"),
            flags.OrderBy(f => f.Key.Rule, StringComparer.Ordinal).ThenBy(f => f.Key.File, StringComparer.Ordinal)
                .Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key.Rule}\t{f.Key.File}\t{f.Value.Line}\t{(f.Value.PedanticOnly ? "pedantic" : "default")}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_label_names_a_corpus_file_a_known_label_and_a_reason()
    {
        var labels = ReadLabels();

        Assert.True(labels.Count > 100, $"{labels.Count} labels");
        Assert.All(labels, l =>
        {
            Assert.True(File.Exists(Corpus.File(["workflows", .. l.File.Split('/')])), $"{l.File}: not in the corpus");
            Assert.Contains(l.Label, (string[])["exhibits", "safe", "unclear"]);
            Assert.True(l.Reason.Length >= 10, $"{l.Rule} {l.File}: no reason");
        });
        Assert.Empty(labels.GroupBy(l => (l.Rule, l.File)).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    /// <summary>Each (rule, file) the analysis flags, and whether only the pedantic level flags it.</summary>
    internal static Dictionary<(string Rule, string File), (bool PedanticOnly, int Line)> AnalyseCorpus()
    {
        var root = Corpus.File("workflows");
        var result = new Dictionary<(string, string), (bool, int)>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var text = File.ReadAllText(path);
            var inRepository = relative[(relative.IndexOf('/', StringComparison.Ordinal) + 1)..];
            if ((CiDefinitionParser.Classify(inRepository) ?? CiDefinitionParser.ClassifyByContent(relative, text)) is not { } platform) continue;
            if (CiDefinitionParser.Parse(relative, text, platform, out _) is not { } definition) continue;
            var regular = PipelineTamperingDetector.Inspect(null, definition, new ActionPins()).Select(i => i.Rule).ToHashSet(StringComparer.Ordinal);
            foreach (var issue in PipelineTamperingDetector.Inspect(null, definition, new ActionPins(), pedantic: true))
            {
                var rule = issue.Rule["pipeline-tampering.".Length..];
                result.TryAdd((rule, relative), (!regular.Contains(issue.Rule), issue.Line));
            }
        }

        return result;
    }

    private static List<ClassLabel> ReadLabels() =>
        [.. File.ReadLines(LabelFile)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(p => new ClassLabel(p[0], p[1], p[2], p.Length > 3 ? p[3] : ""))];

    private sealed record ClassLabel(string Rule, string File, string Label, string Reason);
}
