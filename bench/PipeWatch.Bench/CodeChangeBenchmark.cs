using System.Diagnostics;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Sources.Git;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Bench;

/// <summary>The code-change suite (issue 4): the two content detectors of <c>scan</c> over synthetic commits, each timed against a same-run baseline.</summary>
/// <remarks>
/// Obfuscated code: every added line of N commits (20 lines of ordinary TypeScript each) against a baseline that runs one compiled
/// regex (<c>eval\s*\(</c>) over those lines: the least any line scanner costs. Pipeline tampering: N/20 edits of a 60-line workflow, each parsed before and after and checked, against a
/// baseline that only loads the same two YAML texts with YamlDotNet.
/// </remarks>
internal static class CodeChangeBenchmark
{
    public static int Run(long commits, TextWriter output)
    {
        var count = (int)Math.Min(commits, 200_000);
        output.WriteLine($"suite: codechange ({count:N0} commits of 20 added lines; {count / 20:N0} workflow edits)");
        var bench = new Memory();
        var lines = Enumerable.Range(0, 20).Select(i => new AddedLine(i + 1, $"  const value{i} = await client.fetch(`/api/items/${{id}}`, {{ retries: {i % 4} }}); // step {i}")).ToArray();
        var code = Enumerable.Range(0, count).Select(i => Commit(i, [new GitFileChange($"src/module{i % 50}.ts", null, FileChangeKind.Modified, "a", "b", 20, 3, false, lines)])).ToList();
        var workflows = Enumerable.Range(0, count / 20).Select(i => Commit(i, [bench.Workflow(i)])).ToList();

        var oneRegex = new System.Text.RegularExpressions.Regex(@"eval\s*\(", System.Text.RegularExpressions.RegexOptions.Compiled);
        var lineBaseline = Time(() =>
        {
            long hits = 0;
            foreach (var c in code) foreach (var f in c.Files) foreach (var l in f.Added) hits += oneRegex.IsMatch(l.Text) ? 1 : 0;
            return hits;
        });
        var obfuscated = Time(() => { Run(new ObfuscatedCodeDetector(), code, bench); return 0; });
        var yamlBaseline = Time(() =>
        {
            long nodes = 0;
            foreach (var c in workflows)
            {
                foreach (var f in c.Files)
                {
                    foreach (var blob in new[] { f.OldBlob!, f.NewBlob! })
                    {
                        var stream = new YamlStream();
                        stream.Load(new StringReader(bench.ReadText(blob)!));
                        nodes += stream.Documents.Count;
                    }
                }
            }

            return nodes;
        });
        var tampering = Time(() => { Run(new PipelineTamperingDetector(), workflows, bench); return 0; });

        output.WriteLine("| stage | time | ratio to its baseline |");
        output.WriteLine("|---|---|---|");
        output.WriteLine($"| one regex over the added lines (baseline) | {lineBaseline.TotalMilliseconds:N0} ms | 1.0x |");
        output.WriteLine($"| obfuscated-code detector | {obfuscated.TotalMilliseconds:N0} ms | {obfuscated / lineBaseline:N1}x |");
        output.WriteLine($"| load both YAML versions (baseline) | {yamlBaseline.TotalMilliseconds:N0} ms | 1.0x |");
        output.WriteLine($"| pipeline-tampering detector | {tampering.TotalMilliseconds:N0} ms | {tampering / yamlBaseline:N1}x |");
        return 0;
    }

    private static GitCommit Commit(int i, IReadOnlyList<GitFileChange> files)
    {
        var when = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero).AddMinutes(i);
        var who = new GitIdentity("Dev", "dev@example.com", when);
        return new GitCommit(i.ToString("x40", System.Globalization.CultureInfo.InvariantCulture), [], who, who, "change", SignatureState.Unknown, files);
    }

    private static void Run(ICommitDetector detector, List<GitCommit> commits, Memory bench)
    {
        var baselines = new BaselineSet(detector.Info.Id, bench);
        var detection = new DetectionContext(baselines, TimeProvider.System, _ => { });
        foreach (var commit in commits) detector.Inspect(commit, new CommitContext("bench/repo", bench, detection, learnOnly: false));
    }

    private static TimeSpan Time(Func<long> work)
    {
        work();
        var watch = Stopwatch.StartNew();
        work();
        return watch.Elapsed;
    }

    /// <summary>Blobs and baselines in memory.</summary>
    private sealed class Memory : IBlobReader, IBaselineStorage
    {
        private readonly Dictionary<string, string> _blobs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, StoredBaseline> _baselines = new(StringComparer.Ordinal);

        public string? ReadText(string blobId) => _blobs.GetValueOrDefault(blobId);

        public StoredBaseline? LoadBaseline(string key) => _baselines.TryGetValue(key, out var b) ? b : null;

        public void SaveBaseline(string key, byte version, byte[] data) => _baselines[key] = new StoredBaseline(version, data);

        public GitFileChange Workflow(int i)
        {
            string Text(int n) => "name: ci\non: [push, pull_request]\npermissions:\n  contents: read\njobs:\n" + string.Concat(Enumerable.Range(0, 5).Select(j =>
                $"  job{j}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n" +
                $"      - name: Build {j}\n        run: |\n          make build-{j}\n          make test-{j} N={n}\n      - name: Publish {j}\n        run: ./publish.sh {j}\n"));
            _blobs["old" + i] = Text(i);
            _blobs["new" + i] = Text(i + 1);
            return new GitFileChange(".github/workflows/ci.yml", null, FileChangeKind.Modified, "old" + i, "new" + i, 5, 5, false, []);
        }
    }
}
