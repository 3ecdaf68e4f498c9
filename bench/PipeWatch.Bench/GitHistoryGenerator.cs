using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PipeWatch.Bench;

/// <summary>
/// Makes a git repository of N commits with realistic source churn through one <c>git fast-import</c> stream, deterministically
/// (fixed seed, fixed dates): ~300 C#, TypeScript, YAML and Markdown files in 20 modules, each commit editing 1–3 files
/// (lines replaced, inserted, deleted), new files every ~40 commits, deletions every ~150, renames every ~400, a side-branch
/// merge every 250 commits, and a planted secret every ~2,000 commits.
/// </summary>
internal static class GitHistoryGenerator
{
    private const int Seed = 20261127;
    private static readonly string[] People = ["Ana Lima", "Ben Ode", "Chen Wu", "Dana Dev", "Eli Park", "Fay Ito", "Gus Roy", "Hana Sato", "Ivo Kral", "Jo Reyes", "Kai Berg", "Lea Moss"];
    private static readonly string[] Words = ["order", "invoice", "customer", "payment", "ledger", "refund", "account", "session", "token", "cache", "queue", "report", "retry", "limit", "region", "tenant"];
    private static readonly string[] Extensions = [".cs", ".cs", ".cs", ".ts", ".ts", ".yml", ".md"];

    /// <summary>The repository under <paramref name="folder"/>, made when missing or made for another commit count.</summary>
    public static string Ensure(string folder, int commits, TextWriter output)
    {
        var marker = Path.Combine(folder, "commits.params");
        var repo = Path.Combine(folder, "repo");
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == commits.ToString(CultureInfo.InvariantCulture) && Directory.Exists(repo)) return repo;
        if (Directory.Exists(repo)) Directory.Delete(repo, recursive: true);
        Directory.CreateDirectory(repo);
        var clock = Stopwatch.StartNew();
        Git(repo, null, "init", "-q", "-b", "main");
        var stream = Git(repo, stdin => Generate(stdin, commits), "fast-import", "--quiet", "--done");
        Git(repo, null, "checkout", "-q", "main");
        File.WriteAllText(marker, commits.ToString(CultureInfo.InvariantCulture));
        output.WriteLine($"generated {commits:N0} commits in {repo} ({stream / 1e6:N0} MB fast-import stream) in {clock.Elapsed.TotalSeconds:N1} s");
        return repo;
    }

    private static long Generate(Stream stdin, int commits)
    {
        var random = new Random(Seed);
        var files = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var order = new List<string>();
        var writer = new FastImportWriter(stdin);
        var when = new DateTimeOffset(2020, 1, 6, 8, 0, 0, TimeSpan.Zero);
        var mark = 0;
        var head = 0;

        // The first commit: the initial tree.
        var initial = new List<(string Path, List<string> Lines)>();
        for (var i = 0; i < 300; i++)
        {
            var path = NewPath(random, i);
            files[path] = NewFile(random, path);
            order.Add(path);
            initial.Add((path, files[path]));
        }

        head = writer.Commit("main", ++mark, null, null, Person(random), when, "Initial import", initial, []);
        var made = 1;
        while (made < commits)
        {
            when = when.AddMinutes(11 + random.Next(60));
            if (made % 250 == 0 && made + 3 <= commits)
            {
                // A side branch edits one file while main edits another; the merge brings the side's version in.
                var sidePath = order[random.Next(order.Count)];
                var side = new List<string>(files[sidePath]);
                Edit(random, side);
                var sideMark = writer.Commit("side", ++mark, head, null, Person(random), when, $"Rework {Path.GetFileNameWithoutExtension(sidePath)}", [(sidePath, side)], []);
                when = when.AddMinutes(7);
                head = EditCommit(writer, random, files, order, ++mark, head, when, exclude: sidePath);
                when = when.AddMinutes(5);
                files[sidePath] = side;
                head = writer.Commit("main", ++mark, head, sideMark, Person(random), when, "Merge branch 'side'", [(sidePath, side)], []);
                made += 3;
                continue;
            }

            head = EditCommit(writer, random, files, order, ++mark, head, when, exclude: null, plantSecret: made % 2000 == 1100, made: made);
            made++;
        }

        writer.Done();
        return writer.Bytes;
    }

    private static int EditCommit(
        FastImportWriter writer, Random random, Dictionary<string, List<string>> files, List<string> order, int mark, int head, DateTimeOffset when,
        string? exclude, bool plantSecret = false, int made = 0)
    {
        var changes = new List<(string, List<string>)>();
        var deletes = new List<string>();
        string message;
        if (made % 40 == 20)
        {
            var path = NewPath(random, order.Count + made);
            files[path] = NewFile(random, path);
            order.Add(path);
            changes.Add((path, files[path]));
            message = $"Add {Path.GetFileName(path)}";
        }
        else if (made % 150 == 75 && order.Count > 50)
        {
            var path = order[random.Next(order.Count)];
            order.Remove(path);
            files.Remove(path);
            deletes.Add(path);
            message = $"Remove {Path.GetFileName(path)}";
        }
        else if (made % 400 == 200)
        {
            var from = order[random.Next(order.Count)];
            var to = Path.GetDirectoryName(from)!.Replace('\\', '/') + "/Renamed" + Path.GetFileName(from);
            var lines = files[from];
            files.Remove(from);
            order.Remove(from);
            Edit(random, lines);
            files[to] = lines;
            order.Add(to);
            deletes.Add(from);
            changes.Add((to, lines));
            message = $"Rename {Path.GetFileName(from)}";
        }
        else
        {
            var count = 1 + random.Next(3);
            for (var i = 0; i < count; i++)
            {
                var path = order[random.Next(order.Count)];
                if (path == exclude || changes.Any(c => c.Item1 == path)) continue;
                Edit(random, files[path]);
                changes.Add((path, files[path]));
            }

            message = $"Update {string.Join(", ", changes.Select(c => Path.GetFileNameWithoutExtension(c.Item1)))}";
        }

        if (plantSecret)
        {
            var path = "config/settings." + made.ToString(CultureInfo.InvariantCulture) + ".env";
            files[path] = ["REGION=eu-west-1", $"AWS_ACCESS_KEY_ID=AKIA{Base32(random, 16)}", "RETRIES=3"];
            order.Add(path);
            changes.Add((path, files[path]));
        }

        return writer.Commit("main", mark, head, null, Person(random), when, message, changes, deletes);
    }

    private static void Edit(Random random, List<string> lines)
    {
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(Math.Max(1, lines.Count));
            switch (random.Next(4))
            {
                case 0 when lines.Count > 20:
                    lines.RemoveRange(at, Math.Min(1 + random.Next(3), lines.Count - at));
                    break;
                case 1:
                    for (var i = 0; i < 1 + random.Next(5); i++) lines.Insert(Math.Min(at, lines.Count), Line(random));
                    break;
                default:
                    if (lines.Count > 0) lines[at] = Line(random);
                    break;
            }
        }
    }

    private static string NewPath(Random random, int n)
    {
        var extension = Extensions[random.Next(Extensions.Length)];
        var module = $"module{random.Next(20):00}";
        var root = extension switch { ".yml" => "deploy", ".md" => "docs", ".ts" => "web/src", _ => "src" };
        return $"{root}/{module}/{Capital(Words[random.Next(Words.Length)])}{Capital(Words[random.Next(Words.Length)])}{n}{extension}";
    }

    private static List<string> NewFile(Random random, string path)
    {
        var count = 40 + random.Next(160);
        var lines = new List<string>(count) { path.EndsWith(".cs", StringComparison.Ordinal) ? "namespace Acme.Service;" : "# " + Path.GetFileName(path) };
        for (var i = 1; i < count; i++) lines.Add(Line(random));
        return lines;
    }

    // Source-like lines: assignments, calls, conditions, comments.
    private static string Line(Random random)
    {
        var a = Words[random.Next(Words.Length)];
        var b = Words[random.Next(Words.Length)];
        var n = random.Next(1000);
        return random.Next(6) switch
        {
            0 => $"        var {a}{Capital(b)} = await _{a}Service.Get{Capital(b)}Async({a}Id, cancellationToken);",
            1 => $"        if ({a}.{Capital(b)}Count > {n}) throw new InvalidOperationException(\"{a} over {b} limit\");",
            2 => $"        // {Capital(a)} {b}s are retried {n % 7} times before the {a} is parked.",
            3 => $"    public {Capital(a)}{Capital(b)} {Capital(b)} {{ get; init; }} = new({n});",
            4 => $"        logger.LogInformation(\"{a} {{Id}} {b} took {{Elapsed}} ms\", {a}.Id, elapsed.TotalMilliseconds);",
            _ => $"        return {a}s.Where(x => x.{Capital(b)} >= {n}).Select(x => x.Id).ToList();",
        };
    }

    private static string Base32(Random random, int length)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        return new string([.. Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
    }

    private static string Capital(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static string Person(Random random) => People[random.Next(People.Length)];

    private static long Git(string folder, Func<Stream, long>? input, params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = folder, RedirectStandardInput = input is not null, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        long written = 0;
        if (input is not null)
        {
            using (var stdin = process.StandardInput.BaseStream) written = input(stdin);
        }

        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed with {process.ExitCode}");
        return written;
    }

    /// <summary>Writes the fast-import commands: commits with inline file contents and deletions.</summary>
    private sealed class FastImportWriter(Stream output)
    {
        private readonly BufferedStream _out = new(output, 1 << 20);

        public long Bytes { get; private set; }

        public int Commit(
            string branch, int mark, int? from, int? merge, string person, DateTimeOffset when, string message,
            IReadOnlyList<(string Path, List<string> Lines)> changes, IReadOnlyList<string> deletes)
        {
            var email = person.ToLowerInvariant().Replace(' ', '.') + "@acme.example";
            var stamp = when.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + " +0000";
            Text($"commit refs/heads/{branch}\nmark :{mark}\nauthor {person} <{email}> {stamp}\ncommitter {person} <{email}> {stamp}\n");
            Data(message);
            if (from is { } f) Text($"from :{f}\n");
            if (merge is { } m) Text($"merge :{m}\n");
            foreach (var path in deletes) Text($"D {path}\n");
            foreach (var (path, lines) in changes)
            {
                Text($"M 100644 inline {path}\n");
                Data(string.Join('\n', lines) + "\n");
            }

            Text("\n");
            return mark;
        }

        public void Done()
        {
            Text("done\n");
            _out.Flush();
        }

        private void Data(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Text($"data {bytes.Length}\n");
            _out.Write(bytes);
            _out.WriteByte((byte)'\n');
            Bytes += bytes.Length + 1;
        }

        private void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            _out.Write(bytes);
            Bytes += bytes.Length;
        }
    }
}
