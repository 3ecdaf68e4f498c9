using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Engine;
using PipeWatch.Sources.Git;

namespace PipeWatch.Bench;

/// <summary>
/// The <c>git log</c> output a history scan reads (<see cref="GitHistorySource.LogArguments"/>, whole history) of each real
/// repository (issue 26: the clones under <c>$PIPEWATCH_BENCH_REPOS</c>), held in memory and parsed into commits by
/// <see cref="GitLogParser"/>, against a same-run floor: the same bytes cut into lines and every added line decoded (what any
/// parser must do). Prints CPU and bytes allocated of each and a digest of every parsed field, which must not change when
/// the parser does.
/// </summary>
internal static class GitLogParseBenchmark
{
    public static int Run(int rounds, TextWriter output)
    {
        if (RealRepositories.Folder(output) is not { } folder) return 2;
        output.WriteLine("| repository | MB | commits | parse CPU ms (median) | floor CPU ms | parse × floor | parse MB allocated | floor MB allocated | digest |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var repo in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var log = Log(repo);
            var (commits, digest) = Digest(log);
            var parse = Measure(rounds, () => Parse(log));
            var floor = Measure(rounds, () => Floor(log));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(repo)} | {log.Length / 1e6:0.0} | {commits:N0} | {parse.Cpu:0.0} | {floor.Cpu:0.0} | {parse.Cpu / floor.Cpu:0.00} | {parse.Allocated / 1e6:0.0} | {floor.Allocated / 1e6:0.0} | {digest[..16]} |"));
        }

        return 0;
    }

    private static byte[] Log(string repo)
    {
        using var process = GitRepository.Open(repo).Start([.. GitHistorySource.LogArguments, "HEAD", "--"]);
        using var memory = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(memory);
        process.WaitForExit();
        return memory.ToArray();
    }

    private static int Parse(byte[] log)
    {
        var parser = new GitLogParser(new MemoryStream(log, writable: false));
        var count = 0;
        while (parser.Next() is not null) count++;
        return count;
    }

    // Lines cut, and each added line decoded: the work no parser of this output can skip.
    private static int Floor(byte[] log)
    {
        var lines = new ByteLineReader(new MemoryStream(log, writable: false));
        var added = 0;
        while (lines.TryRead(out var line))
        {
            if (line.Length > 0 && line[0] == '+' && !line.StartsWith("+++ "u8) && Encoding.UTF8.GetString(line[1..]).Length >= 0) added++;
        }

        return added;
    }

    private static (double Cpu, long Allocated) Measure(int rounds, Func<int> run)
    {
        run();
        var cpu = new List<double>();
        long allocated = 0;
        for (var i = 0; i < rounds; i++)
        {
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var started = ScanProfile.ThreadCpu();
            run();
            cpu.Add(TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started).TotalMilliseconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        }

        cpu.Sort();
        return (cpu[cpu.Count / 2], allocated);
    }

    // Every field of every parsed commit, hashed: the parser's whole answer in 64 hex digits.
    private static (int Commits, string Digest) Digest(byte[] log)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var parser = new GitLogParser(new MemoryStream(log, writable: false));
        var commits = 0;
        void Add(string? text) => hash.AppendData(Encoding.UTF8.GetBytes((text ?? "\u2400") + "\0"));
        while (parser.Next() is { } c)
        {
            commits++;
            Add(c.Sha);
            Add(string.Join(' ', c.Parents));
            foreach (var who in new[] { c.Author, c.Committer }) Add($"{who.Name}|{who.Email}|{who.When.ToString("O", CultureInfo.InvariantCulture)}");
            Add(c.Subject);
            Add(c.Signature.ToString());
            foreach (var f in c.Files)
            {
                Add(string.Create(CultureInfo.InvariantCulture, $"{f.Path}|{f.OldPath}|{f.Kind}|{f.OldBlob}|{f.NewBlob}|{f.LinesAdded}|{f.LinesDeleted}|{f.Binary}"));
                Add(f.Hunks is { } h ? string.Join(';', Enumerable.Range(0, h.Count).Select(i => h[i].ToString())) + (h.NewEndsWithoutNewline ? " no newline" : string.Empty) : "no hunks");
                foreach (var line in f.Added) Add(string.Create(CultureInfo.InvariantCulture, $"{line.Number}:{line.Text}"));
            }
        }

        return (commits, Convert.ToHexString(hash.GetHashAndReset()));
    }
}
