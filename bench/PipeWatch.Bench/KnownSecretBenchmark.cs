using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Rules.Patterns;
using PipeWatch.Store;

namespace PipeWatch.Bench;

/// <summary>Issue 20 item 3: the known-secret search (<see cref="KnownSecretIndex"/>) over a large job log, timed against the rule-based secret scan of the same log.</summary>
/// <remarks>
/// The log is generated (seeded): npm/pip/docker/test output lines with paths, versions, commit hashes, URLs, and one base64 blob in
/// 200 lines, cut into step sections of 2,000 lines as the log sources make them. Ten secrets are learned (in memory, under a random
/// key); each section prints one of them, encoded a different way, so the search does find things. The baseline is what
/// <c>secrets.exposed-in-log</c> runs on the same sections: the built-in rules plus decoding (<see cref="EncodedSecretScanner"/>).
/// Both run alternately <c>rounds</c> times; medians of process CPU time are compared.
/// </remarks>
internal static class KnownSecretBenchmark
{
    public static int Run(long megabytes, int rounds, TextWriter output)
    {
        var random = new Random(20);
        var secrets = Enumerable.Range(0, 10).Select(i => ($"SECRET_{i}", Token(random, 40))).ToList();
        var key = RandomNumberGenerator.GetBytes(32);
        var fingerprints = secrets.SelectMany(s => KnownSecretForms.Of(s.Item2).Select(f => new KnownSecretFingerprint(
            s.Item1, f.Form, KnownSecretForms.Alphabet(f.Text), f.Text.Length, KnownSecretForms.Hash(key, f.Text), DateTimeOffset.UnixEpoch))).ToList();
        var index = KnownSecretIndex.Create(key, fingerprints);
        var rules = new EncodedSecretScanner(new SecretScanner(SecretRuleLoader.LoadBuiltIn().Rules));

        var sections = Log(random, megabytes * 1_000_000, secrets);
        var bytes = sections.Sum(s => (long)Encoding.UTF8.GetByteCount(s));
        output.WriteLine($"suite: known-secrets ({secrets.Count} learned secrets, {fingerprints.Count} fingerprints)");
        output.WriteLine($"log: {sections.Count:N0} sections of 2,000 lines, {bytes / 1e6:N1} MB");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}, .NET {Environment.Version}");

        Known(sections.Take(2).ToList(), index);
        Rules(sections.Take(2).ToList(), rules);
        var knownTimes = new List<double>();
        var ruleTimes = new List<double>();
        long found = 0, ruleFound = 0;
        for (var round = 0; round < rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            ruleFound = Rules(sections, rules);
            var after = Process.GetCurrentProcess().TotalProcessorTime;
            ruleTimes.Add((after - cpu).TotalSeconds);
            found = Known(sections, index);
            knownTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - after).TotalSeconds);
        }

        var known = Median(knownTimes);
        var rule = Median(ruleTimes);
        output.WriteLine();
        output.WriteLine($"{"pass",-44} {"CPU s (median)",14} {"MB/s",8}  {"all rounds",-30} {"found",8}");
        output.WriteLine($"{"(a) rule scan + decoding (exposed-in-log)",-44} {rule,14:N3} {bytes / 1e6 / rule,8:N1}  {string.Join(" ", ruleTimes.Select(t => t.ToString("N3", CultureInfo.InvariantCulture))),-30} {ruleFound,8:N0}");
        output.WriteLine($"{"(b) known-secret search (10 secrets)",-44} {known,14:N3} {bytes / 1e6 / known,8:N1}  {string.Join(" ", knownTimes.Select(t => t.ToString("N3", CultureInfo.InvariantCulture))),-30} {found,8:N0}");
        output.WriteLine();
        output.WriteLine($"known-secret search costs {known / rule:N2}x the rule-based scan of the same log (planted: {sections.Count} occurrences)");
        return found >= sections.Count ? 0 : 1;
    }

    private static long Known(List<string> sections, KnownSecretIndex index) => sections.Sum(s => (long)index.Find(s).Count);

    private static long Rules(List<string> sections, EncodedSecretScanner rules) => sections.Sum(s => (long)rules.Scan(s).Count);

    private static List<string> Log(Random random, long size, List<(string Name, string Value)> secrets)
    {
        string[] words = ["added", "packages", "from", "contributors", "audited", "in", "found", "vulnerabilities", "Collecting", "Downloading", "Successfully", "installed", "Step", "Running", "PASS", "FAIL", "test", "ok", "warning", "deprecated"];
        var sections = new List<string>();
        long total = 0;
        var builder = new StringBuilder();
        while (total < size)
        {
            builder.Clear();
            var (_, value) = secrets[sections.Count % secrets.Count];
            var plantAt = random.Next(2_000);
            for (var line = 0; line < 2_000; line++)
            {
                if (line == plantAt) builder.Append("debug: ").Append(Planted(value, sections.Count % 5));
                else
                {
                    switch (random.Next(10))
                    {
                        case 0: builder.Append("npm warn deprecated ").Append(Word(random, words)).Append('@').Append(random.Next(10)).Append('.').Append(random.Next(30)).Append(".0: use ").Append(Word(random, words)).Append(" instead"); break;
                        case 1: builder.Append("  /home/runner/work/app/app/node_modules/").Append(Word(random, words)).Append("/lib/").Append(Word(random, words)).Append(".js:").Append(random.Next(900)); break;
                        case 2: builder.Append("HEAD is now at ").Append(Convert.ToHexStringLower(RandomBytes(random, 20))).Append(' ').Append(Word(random, words)).Append(" the build"); break;
                        case 3: builder.Append("Downloading https://files.pythonhosted.org/packages/").Append(Convert.ToHexStringLower(RandomBytes(random, 4))).Append('/').Append(Word(random, words)).Append("-1.").Append(random.Next(40)).Append(".0-py3-none-any.whl (").Append(random.Next(900)).Append(" kB)"); break;
                        case 4 when random.Next(20) == 0: builder.Append("cache key: ").Append(Convert.ToBase64String(RandomBytes(random, 96))); break;
                        default:
                            for (var w = random.Next(4, 14); w > 0; w--) builder.Append(Word(random, words)).Append(' ');
                            builder.Append(random.Next(1000)).Append(" ms");
                            break;
                    }
                }

                builder.Append('\n');
            }

            sections.Add(builder.ToString());
            total += builder.Length;
        }

        return sections;
    }

    private static string Planted(string value, int way)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return way switch
        {
            0 => "token " + value,
            1 => Convert.ToBase64String(bytes),
            2 => Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes))),
            3 => Convert.ToHexStringLower(bytes),
            _ => "https://example.com/?k=" + Uri.EscapeDataString(value),
        };
    }

    private static string Word(Random random, string[] words) => words[random.Next(words.Length)];

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Token(Random random, int length)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+_";
        return "pw_" + new string([.. Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
