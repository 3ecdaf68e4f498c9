using System.Diagnostics;
using System.Globalization;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Engine;
using PipeWatch.Sources.Git;

namespace PipeWatch.Bench;

/// <summary>
/// Every version of every <c>pnpm-lock.yaml</c> in the histories of real repositories (issue 26: the clones under
/// <c>$PIPEWATCH_BENCH_REPOS</c>, default /work/repos/speed), read by the pnpm parser (YamlDotNet's event stream) and by the
/// node-tree reader it replaced (<see cref="PnpmLockParser.ParseTree"/>): the output must be identical, field by field, for
/// every version; the CPU time of each is printed.
/// </summary>
internal static class LockfileParseBenchmark
{
    public static int Run(TextWriter output)
    {
        var folder = Environment.GetEnvironmentVariable("PIPEWATCH_BENCH_REPOS") is { Length: > 0 } set ? set : "/work/repos/speed";
        if (!Directory.Exists(folder))
        {
            output.WriteLine($"no repositories under {folder} (set PIPEWATCH_BENCH_REPOS)");
            return 2;
        }

        var parser = new PnpmLockParser();
        var differ = 0;
        output.WriteLine("| repository | pnpm-lock versions | MB | node tree CPU s | event stream CPU s | × | read by events | differ |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var repo in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var versions = Versions(repo);
            if (versions.Count == 0) continue;
            using var blobs = new CatFileBlobReader(GitRepository.Open(repo));
            var texts = versions.Select(v => (v.Path, Text: blobs.ReadText(v.Blob))).Where(v => v.Text is not null).Select(v => (v.Path, Text: v.Text!)).ToList();
            // Warm both paths (JIT) on the first file.
            PnpmLockParser.ParseTree(texts[0].Path, texts[0].Text);
            parser.Parse(texts[0].Path, texts[0].Text);

            var trees = new List<List<string>>(texts.Count);
            var started = ScanProfile.ThreadCpu();
            foreach (var (path, text) in texts) trees.Add(Text(PnpmLockParser.ParseTree(path, text)));
            var treeCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            var events = new List<List<string>>(texts.Count);
            started = ScanProfile.ThreadCpu();
            foreach (var (path, text) in texts) events.Add(Text(parser.Parse(path, text)));
            var eventCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            var byEvents = texts.Count(t => PnpmLockEvents.Read(t.Text) is not null);
            var here = 0;
            for (var i = 0; i < texts.Count; i++)
            {
                if (trees[i].SequenceEqual(events[i], StringComparer.Ordinal)) continue;
                here++;
                output.WriteLine($"DIFFERENT: {Path.GetFileName(repo)} {versions[i].Blob} {texts[i].Path}");
            }

            differ += here;
            var mb = texts.Sum(t => (long)t.Text.Length) / 1e6;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(repo)} | {texts.Count:N0} | {mb:N1} | {treeCpu.TotalSeconds:N2} | {eventCpu.TotalSeconds:N2} | {eventCpu / treeCpu:N2} | {byEvents:N0} | {here} |"));
        }

        output.WriteLine(differ == 0 ? "output: identical for every version" : $"output: {differ} versions DIFFER");
        return differ == 0 ? 0 : 1;
    }

    // Distinct blob ids of pnpm-lock.yaml over the whole history, each with a path it had.
    private static List<(string Blob, string Path)> Versions(string repo)
    {
        var start = new ProcessStartInfo("git", ["-C", repo, "log", "--all", "--format=", "--raw", "--no-abbrev", "--no-renames", "--", "*pnpm-lock.yaml"])
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
            if (!path.EndsWith("pnpm-lock.yaml", StringComparison.Ordinal)) continue;
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
