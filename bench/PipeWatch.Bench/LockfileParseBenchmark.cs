using System.Diagnostics;
using System.Globalization;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Engine;
using PipeWatch.Sources.Git;

namespace PipeWatch.Bench;

/// <summary>
/// Every version of every <c>pnpm-lock.yaml</c>, <c>yarn.lock</c>, <c>package-lock.json</c>, <c>uv.lock</c>, <c>Cargo.lock</c> and <c>poetry.lock</c> in the histories of real repositories (issue 26: the clones
/// under <c>$PIPEWATCH_BENCH_REPOS</c>, default /work/repos/speed), in history order, read three ways: whole (the parser as it
/// reads one file), through a <see cref="LockfileBlockMemo"/> as a history scan reads them (only the entries an earlier version
/// did not have are parsed), for pnpm and yarn as the layout model (<see cref="ILockfileParser.Follow"/>: each version made from
/// the one before it and a one-hunk line diff between them, as a scan makes it from the <c>-U0</c> hunks), and for pnpm through
/// the node tree (<see cref="PnpmLockParser.ParseTree"/>). The output must be identical, field by field, for every version; the
/// CPU time of each is printed.
/// </summary>
internal static class LockfileParseBenchmark
{
    public static int Run(TextWriter output)
    {
        if (RealRepositories.Folder(output) is not { } folder) return 2;

        var differ = 0;
        output.WriteLine("| repository | file | versions | MB | node tree CPU s | whole CPU s | entry memo CPU s | memo × whole | entries reused / parsed | layout CPU s | versions followed | changes judged by delta | differ |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var repo in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            foreach (var (name, parser) in new (string, ILockfileParser)[] { ("pnpm-lock.yaml", new PnpmLockParser()), ("yarn.lock", new YarnLockParser()), ("package-lock.json", new NpmPackageLockParser()), ("uv.lock", new UvLockParser()), ("Cargo.lock", new CargoLockParser()), ("poetry.lock", new PoetryLockParser()) })
            {
                var versions = Versions(repo, name);
                if (versions.Count == 0) continue;
                using var blobs = new CatFileBlobReader(GitRepository.Open(repo));
                var texts = versions.Select(v => (v.Path, Text: blobs.ReadText(v.Blob))).Where(v => v.Text is not null).Select(v => (v.Path, Text: v.Text!)).ToList();
                // Warm every path (JIT) on the first file.
                if (parser is PnpmLockParser) PnpmLockParser.ParseTree(texts[0].Path, texts[0].Text);
                parser.Parse(texts[0].Path, texts[0].Text);
                parser.Parse(texts[0].Path, texts[0].Text, new LockfileBlockMemo());

                var treeCpu = TimeSpan.Zero;
                List<List<string>>? trees = null;
                if (parser is PnpmLockParser)
                {
                    trees = new(texts.Count);
                    var began = ScanProfile.ThreadCpu();
                    foreach (var (path, text) in texts) trees.Add(Text(PnpmLockParser.ParseTree(path, text)));
                    treeCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - began);
                }

                var wholes = new List<List<string>>(texts.Count);
                var started = ScanProfile.ThreadCpu();
                foreach (var (path, text) in texts) wholes.Add(Text(parser.Parse(path, text)));
                var wholeCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

                var memo = new LockfileBlockMemo();
                var memos = new List<List<string>>(texts.Count);
                started = ScanProfile.ThreadCpu();
                foreach (var (path, text) in texts) memos.Add(Text(parser.Parse(path, text, memo)));
                var memoCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

                // The layout model: each version from the previous one's layout and the lines that differ (the scan's path).
                var layoutMemo = new LockfileBlockMemo();
                var follows = new List<List<string>>(texts.Count);
                var followed = 0;
                var deltas = new List<(LockfileParse Before, LockfileParse After)>();
                LockfileParse? previous = null;
                // The hunks come with the log in a scan: worked out before the clock starts.
                var hunks = texts.Select((t, i) => i == 0 ? [] : OneHunkDiff.Between(texts[i - 1].Text, t.Text)).ToList();
                started = ScanProfile.ThreadCpu();
                for (var i = 0; i < texts.Count; i++)
                {
                    var (path, text) = texts[i];
                    var made = previous?.Layout is { } layout ? parser.Follow(path, text, layoutMemo, layout, hunks[i]) : null;
                    if (made is not null) followed++;
                    if (made?.Delta is not null) deltas.Add((previous!, made));
                    previous = made ?? parser.Parse(path, text, layoutMemo);
                    follows.Add(Text(previous));
                }

                var layoutCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

                var here = 0;
                for (var i = 0; i < texts.Count; i++)
                {
                    if (wholes[i].SequenceEqual(memos[i], StringComparer.Ordinal) && wholes[i].SequenceEqual(follows[i], StringComparer.Ordinal)
                        && (trees is null || trees[i].SequenceEqual(wholes[i], StringComparer.Ordinal))) continue;
                    here++;
                    output.WriteLine($"DIFFERENT: {Path.GetFileName(repo)} {versions[i].Blob} {texts[i].Path}");
                }

                // Each version's delta against the version it was made from: its packages, and the change's answers to the
                // dependency detectors (new versions, new packages, entries judged) from the delta as from the whole lists.
                var (judged, deltaDiffer) = ChangeAnswers.Compare(deltas, name);
                foreach (var shape in deltaDiffer) output.WriteLine($"DIFFERENT: {Path.GetFileName(repo)} {name} delta: {shape}");
                here += deltaDiffer.Count;
                differ += here;
                var mb = texts.Sum(t => (long)t.Text.Length) / 1e6;
                var (hits, misses) = memo.Counts;
                var tree = trees is null ? "" : treeCpu.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Path.GetFileName(repo)} | {name} | {texts.Count:N0} | {mb:N1} | {tree} | {wholeCpu.TotalSeconds:N2} | {memoCpu.TotalSeconds:N2} | {memoCpu / wholeCpu:N2} | {hits:N0} / {misses:N0} | {layoutCpu.TotalSeconds:N2} | {followed:N0} | {judged:N0} | {here} |"));
            }
        }

        output.WriteLine(differ == 0 ? "output: identical for every version" : $"output: {differ} versions DIFFER");
        return differ == 0 ? 0 : 1;
    }

    // Distinct blob ids of the file over the whole history, oldest first (as a scan meets them), each with a path it had.
    private static List<(string Blob, string Path)> Versions(string repo, string name)
    {
        var start = new ProcessStartInfo("git", ["-C", repo, "log", "--all", "--reverse", "--date-order", "--format=", "--raw", "--no-abbrev", "--no-renames", "--", "*" + name])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var git = Process.Start(start)!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var versions = new List<(string, string)>();
        while (git.StandardOutput.ReadLine() is { } line)
        {
            // ":100644 100644 <old> <new> M\tpath"
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var fields = line[..Math.Max(0, tab)].Split(' ');
            if (tab < 0 || fields.Length < 5) continue;
            var path = line[(tab + 1)..];
            if (path != name && !path.EndsWith("/" + name, StringComparison.Ordinal)) continue;
            foreach (var blob in (string[])[fields[2], fields[3]])
            {
                if (blob.Trim('0').Length > 0 && seen.Add(blob)) versions.Add((blob, path));
            }
        }

        git.WaitForExit();
        return versions;
    }

    private static List<string> Text(LockfileParse parse) =>
    [
        .. parse.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Source}|{d.Integrity}|{d.Line}|{d.Dev}|{string.Join(',', d.Requires)}"),
        .. parse.Problems.Select(p => $"problem|{p.File}|{p.Reason}|{p.Line}"),
    ];
}
