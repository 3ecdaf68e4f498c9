using System.Buffers;
using System.Diagnostics;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Bench;

/// <summary>Issue 3 (b): the full built-in secret rule set over real source text, timed against a keyword-only pass with <c>SearchValues&lt;string&gt;</c> over the same text; and the same with decoding of encoded strings, as the log detector runs it.</summary>
/// <remarks>
/// The keyword-only pass is the floor any keyword-prefiltered scanner pays: it finds every hit of every rule's keywords and
/// does nothing with them. Both passes run over the same in-memory strings (read and decoded beforehand, so neither pays for
/// the disk), after a warm-up, alternately, <c>rounds</c> times; the median of each is reported, with MB/s (UTF-8 bytes) and the ratio.
/// </remarks>
internal static class SecretScanBenchmark
{
    /// <summary>The issue's target: the full rule set within this factor of the keyword-only floor.</summary>
    public const double TargetRatio = 1.5;

    public static int Run(long megabytes, int rounds, TextWriter output)
    {
        var rules = SecretRuleLoader.LoadBuiltIn().Rules;
        var scanner = new SecretScanner(rules);
        var decoding = new EncodedSecretScanner(scanner);
        var keywords = SearchValues.Create([.. rules.SelectMany(r => r.Keywords).Distinct(StringComparer.OrdinalIgnoreCase)], StringComparison.OrdinalIgnoreCase);

        // The scanner's own prefilter: the same keywords in sorted passes (each hit position taken once), without the rules.
        SearchValues<string>[] passes = [.. rules.SelectMany(r => r.Keywords).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)
            .Chunk(SecretScanner.KeywordsPerPass).Select(set => SearchValues.Create(set, StringComparison.OrdinalIgnoreCase))];

        var load = Stopwatch.StartNew();
        var files = SourceTextCorpus.Collect(megabytes * 1_000_000);
        var bytes = files.Sum(f => f.Bytes);
        output.WriteLine($"suite: secrets ({rules.Count} built-in rules; target: full scan <= {TargetRatio:N1}x the keyword-only pass)");
        output.WriteLine($"corpus: {files.Count:N0} text files, {bytes / 1e6:N1} MB ({files.Sum(f => (long)f.Text.Length) / 1e6:N1} M chars) from {string.Join(", ", SourceTextCorpus.Roots().Where(Directory.Exists))}; read in {load.Elapsed.TotalSeconds:N1} s");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}, .NET {Environment.Version}");

        var warm = files.Take(200).Select(f => f.Text).ToList();
        KeywordPass(warm, keywords);
        KeywordPasses(warm, passes);
        FullScan(warm, scanner);
        DecodingScan(warm, decoding);

        var keywordTimes = new List<double>();
        var passTimes = new List<double>();
        long passHits = 0;
        var scanTimes = new List<double>();
        var decodingTimes = new List<double>();
        long decoded = 0;
        long hits = 0;
        long secrets = 0;
        var texts = files.Select(f => f.Text).ToList();
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            hits = KeywordPass(texts, keywords);
            keywordTimes.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            passHits = KeywordPasses(texts, passes);
            passTimes.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            secrets = FullScan(texts, scanner);
            scanTimes.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            decoded = DecodingScan(texts, decoding);
            decodingTimes.Add(watch.Elapsed.TotalSeconds);
        }

        var keyword = Median(keywordTimes);
        var scan = Median(scanTimes);
        var split = Median(passTimes);
        var withDecoding = Median(decodingTimes);
        var ratio = scan / keyword;
        output.WriteLine();
        output.WriteLine($"{"pass",-36} {"seconds (median)",16} {"MB/s",8}  {"all rounds",-30} {"result",16}");
        output.WriteLine($"{"(a) keyword-only SearchValues",-36} {keyword,16:N3} {bytes / 1e6 / keyword,8:N1}  {string.Join(" ", keywordTimes.Select(t => t.ToString("N3"))),-30} {hits,10:N0} hits");
        output.WriteLine($"{$"(a2) keywords in {passes.Length} sorted passes",-36} {split,16:N3} {bytes / 1e6 / split,8:N1}  {string.Join(" ", passTimes.Select(t => t.ToString("N3"))),-30} {passHits,10:N0} hits");
        output.WriteLine($"{"(b) full rule set (SecretScanner)",-36} {scan,16:N3} {bytes / 1e6 / scan,8:N1}  {string.Join(" ", scanTimes.Select(t => t.ToString("N3"))),-30} {secrets,10:N0} secrets");
        output.WriteLine($"{"(c) (b) + decoding (EncodedSecret…)",-36} {withDecoding,16:N3} {bytes / 1e6 / withDecoding,8:N1}  {string.Join(" ", decodingTimes.Select(t => t.ToString("N3"))),-30} {decoded,10:N0} secrets");
        output.WriteLine();
        output.WriteLine($"(c) is what secrets.exposed-in-log runs: (b) plus base64/hex/URL/gzip candidates decoded up to 5 deep; {withDecoding / keyword:N2}x the keyword-only pass");
        output.WriteLine($"(a2) is the scanner's own prefilter (passes of {SecretScanner.KeywordsPerPass} keywords, Teddy) without the rules: the full scan is {scan / split:N2}x it");
        output.WriteLine($"verdict: full scan is {ratio:N2}x the keyword-only pass: {(ratio <= TargetRatio ? "MEETS" : "MISSES")} the <= {TargetRatio:N1}x target ({bytes / 1e6 / scan:N1} MB/s on one thread)");
        return 0;
    }

    private static long KeywordPass(List<string> texts, SearchValues<string> keywords)
    {
        long hits = 0;
        foreach (var text in texts)
        {
            var span = text.AsSpan();
            for (var at = span.IndexOfAny(keywords); at >= 0; at = span.IndexOfAny(keywords))
            {
                hits++;
                span = span[(at + 1)..];
            }
        }

        return hits;
    }

    // Every position where a keyword of any pass starts, once, in order (as SecretScanner finds its windows).
    private static long KeywordPasses(List<string> texts, SearchValues<string>[] passes)
    {
        long hits = 0;
        var next = new int[passes.Length];
        foreach (var text in texts)
        {
            var span = text.AsSpan();
            for (var pass = 0; pass < passes.Length; pass++) next[pass] = Next(span, passes[pass], 0);
            while (next.Min() is var at && at != int.MaxValue)
            {
                hits++;
                for (var pass = 0; pass < passes.Length; pass++)
                {
                    if (next[pass] == at) next[pass] = Next(span, passes[pass], at + 1);
                }
            }
        }

        return hits;

        static int Next(ReadOnlySpan<char> span, SearchValues<string> values, int from) =>
            from < span.Length && span[from..].IndexOfAny(values) is var found and >= 0 ? from + found : int.MaxValue;
    }

    private static long FullScan(List<string> texts, SecretScanner scanner)
    {
        long found = 0;
        foreach (var text in texts) found += scanner.Scan(text).Count;
        return found;
    }

    private static long DecodingScan(List<string> texts, EncodedSecretScanner scanner)
    {
        long found = 0;
        foreach (var text in texts) found += scanner.Scan(text).Count;
        return found;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
