using System.Diagnostics;
using System.Globalization;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Engine;
using PipeWatch.Sources.Git;

namespace PipeWatch.Bench;

/// <summary>
/// Every version of every GitHub workflow and <c>action.yml</c> in the histories of real repositories (issue 26: the clones under
/// <c>$PIPEWATCH_BENCH_REPOS</c>, default /work/repos/speed), in history order, read for its dependency list (actions and
/// images) two ways: whole (<see cref="GitHubWorkflowParser.Parse"/>) and as a history scan reads it, each version made from the
/// previous version of its path and the <c>-U0</c> hunks between them where it can be (<see cref="GitHubWorkflowParser.Follow"/>,
/// a chain of made versions), parsed otherwise. The lists (every field) and problems must be identical for every version; the
/// CPU time of each way is printed.
/// </summary>
internal static class WorkflowDependencyBenchmark
{
    public static int Run(TextWriter output)
    {
        if (RealRepositories.Folder(output) is not { } folder) return 2;

        var parser = new GitHubWorkflowParser();
        var differ = 0;
        output.WriteLine("| repository | workflow versions | MB | whole parse CPU s | as a scan (follow, else parse) CPU s | scan × whole | versions followed | differ |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var repo in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var versions = Versions(repo, parser);
            if (versions.Count == 0) continue;
            using var blobs = new CatFileBlobReader(GitRepository.Open(repo));
            var texts = versions.Select(v => (v.Path, Text: blobs.ReadText(v.Blob))).Where(v => v.Text is not null).Select(v => (v.Path, Text: v.Text!)).ToList();
            // Warm both paths (JIT) on the first file.
            parser.Parse(texts[0].Path, texts[0].Text);
            if (parser.Parse(texts[0].Path, texts[0].Text).Layout is { } warm) parser.Follow(texts[0].Path, texts[0].Text, new LockfileBlockMemo(), warm, []);

            var wholes = new List<List<string>>(texts.Count);
            var started = ScanProfile.ThreadCpu();
            foreach (var (path, text) in texts) wholes.Add(Text(parser.Parse(path, text)));
            var wholeCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            // The hunks come with the log in a scan: worked out before the clock starts, from the previous version of the same path.
            var previousOf = new int[texts.Count];
            var lastOfPath = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < texts.Count; i++)
            {
                previousOf[i] = lastOfPath.GetValueOrDefault(texts[i].Path, -1);
                lastOfPath[texts[i].Path] = i;
            }

            var hunks = texts.Select((t, i) => previousOf[i] < 0 ? [] : Hunks(texts[previousOf[i]].Text, t.Text)).ToList();
            var scans = new LockfileParse[texts.Count];
            var followed = 0;
            started = ScanProfile.ThreadCpu();
            for (var i = 0; i < texts.Count; i++)
            {
                var (path, text) = texts[i];
                var made = previousOf[i] >= 0 && scans[previousOf[i]].Layout is { } layout ? parser.Follow(path, text, new LockfileBlockMemo(), layout, hunks[i]) : null;
                if (made is not null) followed++;
                scans[i] = made ?? parser.Parse(path, text);
            }

            var scanCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            var here = 0;
            for (var i = 0; i < texts.Count; i++)
            {
                if (wholes[i].SequenceEqual(Text(scans[i]), StringComparer.Ordinal)) continue;
                here++;
                output.WriteLine($"DIFFERENT: {Path.GetFileName(repo)} {versions[i].Blob} {texts[i].Path}");
            }

            differ += here;
            var mb = texts.Sum(t => (long)t.Text.Length) / 1e6;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(repo)} | {texts.Count:N0} | {mb:N1} | {wholeCpu.TotalSeconds:N3} | {scanCpu.TotalSeconds:N3} | {scanCpu / wholeCpu:N2} | {followed:N0} | {here} |"));
        }

        output.WriteLine(differ == 0 ? "dependency lists: identical for every version" : $"dependency lists: {differ} versions DIFFER");
        return differ == 0 ? 0 : 1;
    }

    // Distinct blob ids of workflows and actions over the whole history, oldest first (as a scan meets them), each with a path it had.
    private static List<(string Blob, string Path)> Versions(string repo, GitHubWorkflowParser parser)
    {
        var start = new ProcessStartInfo("git", ["-C", repo, "log", "--all", "--reverse", "--date-order", "--format=", "--raw", "--no-abbrev", "--no-renames"])
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
            if (!parser.Recognizes(path)) continue;
            foreach (var blob in (string[])[fields[2], fields[3]])
            {
                if (blob.Trim('0').Length > 0 && seen.Add(blob)) versions.Add((blob, path));
            }
        }

        git.WaitForExit();
        return versions;
    }

    // The -U0 hunks from one text to the other as git writes them for a change that keeps the line count (one per run of
    // differing lines); otherwise the one hunk between the common first and common last lines.
    private static LineEdit[] Hunks(string before, string after)
    {
        var (old, now) = (before.Split('\n'), after.Split('\n'));
        if (old.Length == now.Length)
        {
            var runs = new List<LineEdit>();
            for (var i = 0; i < old.Length; i++)
            {
                if (old[i] == now[i]) continue;
                var end = i;
                while (end + 1 < old.Length && old[end + 1] != now[end + 1]) end++;
                runs.Add(new LineEdit(i + 1, end - i + 1, i + 1, end - i + 1));
                i = end;
            }

            return [.. runs];
        }

        var same = 0;
        while (same < old.Length && same < now.Length && old[same] == now[same]) same++;
        var tail = 0;
        while (tail < old.Length - same && tail < now.Length - same && old[^(tail + 1)] == now[^(tail + 1)]) tail++;
        var (oldCount, newCount) = (old.Length - same - tail, now.Length - same - tail);
        return [new LineEdit(oldCount == 0 ? same : same + 1, oldCount, newCount == 0 ? same : same + 1, newCount)];
    }

    private static List<string> Text(LockfileParse parse) =>
    [
        .. parse.Dependencies.Select(d => $"{d.Ecosystem}|{d.Name}|{d.Version}|{d.Direct}|{d.Source}|{d.Integrity}|{d.Line}|{d.Dev}|{string.Join(',', d.Requires)}"),
        .. parse.Problems.Select(p => $"problem|{p.File}|{p.Reason}|{p.Line}"),
    ];
}
