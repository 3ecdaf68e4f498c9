using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Engine;
using PipeWatch.Sources.Git;

namespace PipeWatch.Bench;

/// <summary>
/// Every version of every CI definition (workflows, actions, GitLab, Azure, Jenkins: <see cref="CiDefinitionParser.Classify"/>)
/// in the histories of real repositories (issue 26: the clones under <c>$PIPEWATCH_BENCH_REPOS</c>, default /work/repos/speed),
/// parsed the reference way (YAML always through the merging parser) and the way a scan parses it, then run through the
/// pipeline-tampering checks. The model (as JSON) and the issues (every field) must be identical for every version; the CPU
/// time of each part is printed.
/// </summary>
internal static class WorkflowParseBenchmark
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = false };

    public static int Run(TextWriter output)
    {
        if (RealRepositories.Folder(output) is not { } folder) return 2;

        var differ = 0;
        var perCheck = new List<string>();
        var derivedChecks = new List<string>();
        output.WriteLine("| repository | versions | MB | reference parse CPU s | parse CPU s | parse × reference | checks CPU s | derived (pin bumps) | derive CPU s | not parsed | differ |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var repo in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var versions = Versions(repo);
            if (versions.Count == 0) continue;
            using var blobs = new CatFileBlobReader(GitRepository.Open(repo));
            var texts = versions.Select(v => (v.Path, v.Platform, Text: blobs.ReadText(v.Blob))).Where(v => v.Text is not null).Select(v => (v.Path, v.Platform, Text: v.Text!)).ToList();
            // Warm every path (JIT) on the first file.
            CiDefinitionParser.Parse(texts[0].Path, texts[0].Text, texts[0].Platform, out _, alwaysMerge: true);
            CiDefinitionParser.Parse(texts[0].Path, texts[0].Text, texts[0].Platform, out _);

            var started = ScanProfile.ThreadCpu();
            var references = texts.Select(t => (Definition: CiDefinitionParser.Parse(t.Path, t.Text, t.Platform, out var error, alwaysMerge: true), Error: error)).ToList();
            var referenceCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            started = ScanProfile.ThreadCpu();
            var parsed = texts.Select(t => (Definition: CiDefinitionParser.Parse(t.Path, t.Text, t.Platform, out var error), Error: error)).ToList();
            var parseCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            started = ScanProfile.ThreadCpu();
            var issues = parsed.Select(p => p.Definition is null ? [] : PipelineTamperingDetector.Inspect(null, p.Definition, new ActionPins(), pedantic: true)).ToList();
            var checkCpu = TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started);

            // Each check alone over the same definitions: where the checks' time goes.
            var byCheck = new List<(string Name, TimeSpan Cpu)>();
            foreach (var check in PipelineTamperingDetector.Checks)
            {
                started = ScanProfile.ThreadCpu();
                foreach (var (definition, _) in parsed)
                {
                    if (definition is not null) _ = check.Check(definition).Count();
                }

                byCheck.Add((check.GetType().Name, TimeSpan.FromTicks(ScanProfile.ThreadCpu() - started)));
            }

            perCheck.Add($"{Path.GetFileName(repo)}: " + string.Join(", ", byCheck.OrderByDescending(c => c.Cpu).Take(6)
                .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} {c.Cpu.TotalSeconds:N3}"))));

            var here = 0;
            for (var i = 0; i < texts.Count; i++)
            {
                var reference = references[i].Definition;
                var same = (reference is null) == (parsed[i].Definition is null) && references[i].Error == parsed[i].Error
                    && (reference is null || (Model(reference) == Model(parsed[i].Definition!)
                        && PipelineTamperingDetector.Inspect(null, reference, new ActionPins(), pedantic: true).Select(x => x.ToString()).SequenceEqual(issues[i].Select(x => x.ToString()), StringComparer.Ordinal)));
                if (same) continue;
                here++;
                output.WriteLine($"DIFFERENT: {Path.GetFileName(repo)} {versions[i].Blob} {texts[i].Path}");
            }

            var (derived, deriveCpu, linesCpu, deriveBytes, linesBytes, wholeChecks, incrementalChecks, skipped) = DeriveFromPrevious(texts, parsed.Select(p => p.Definition).ToList(), output, ref here);
            derivedChecks.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(repo)}: {derived:N0} derived versions (derived from every line {linesCpu.TotalSeconds:N3} CPU s / {linesBytes / 1e6:N1} MB allocated, from the changed lines {deriveCpu.TotalSeconds:N3} / {deriveBytes / 1e6:N1} MB), checks whole {wholeChecks.TotalSeconds:N3} CPU s, incremental {incrementalChecks.TotalSeconds:N3} ({skipped:N0} of {derived * PipelineTamperingDetector.Checks.Length:N0} check runs skipped)"));
            differ += here;
            var mb = texts.Sum(t => (long)t.Text.Length) / 1e6;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(repo)} | {texts.Count:N0} | {mb:N1} | {referenceCpu.TotalSeconds:N2} | {parseCpu.TotalSeconds:N2} | {parseCpu / referenceCpu:N2} | {checkCpu.TotalSeconds:N2} | {derived:N0} | {deriveCpu.TotalSeconds:N3} | {parsed.Count(p => p.Definition is null):N0} | {here} |"));
        }

        output.WriteLine("checks by CPU s, the six costliest per repository:");
        foreach (var line in perCheck) output.WriteLine("  " + line);
        output.WriteLine("checks on the derived versions, the whole way and the incremental way (same results asserted):");
        foreach (var line in derivedChecks) output.WriteLine("  " + line);
        output.WriteLine(differ == 0 ? "output: identical for every version" : $"output: {differ} versions DIFFER");
        return differ == 0 ? 0 : 1;
    }

    // Each version derived from the previous version of its path where the change allows (a pin bump: ValueChange), as a scan
    // does; a derived model must equal the parsed one, lines included. The count derived and the CPU of deriving them.
    // Each derived version's checks are also run the incremental way (CheckedVersion.Derive: only the checks that can see the
    // change) and must find, check by check, what every check finds on the parsed version; the CPU of both ways is added up.
    // The derivation is timed both ways on the same versions: from every line of the new text (CiDefinitionParser.Lines, every
    // line compared), and as a scan derives, from the text at the cost of the change (ValueLines counted once per parsed model,
    // so outside the clock); both must give the same model.
    private static (int Derived, TimeSpan Cpu, TimeSpan LinesCpu, long Bytes, long LinesBytes, TimeSpan WholeChecks, TimeSpan IncrementalChecks, int Skipped) DeriveFromPrevious(
        List<(string Path, CiPlatform Platform, string Text)> texts, List<CiDefinition?> parsed, TextWriter output, ref int differ)
    {
        var labelled = texts.Select(t =>
        {
            var steps = new HashSet<CiStep>(ReferenceEqualityComparer.Instance);
            var definition = CiDefinitionParser.Parse(t.Path, t.Text, t.Platform, out _, alwaysMerge: false, steps);
            return (Definition: definition, Steps: steps, ValueLines: definition is null ? null : ValueLines.Of(definition));
        }).ToList();
        var lastOfPath = new Dictionary<string, int>(StringComparer.Ordinal);
        var derived = 0;
        var ticks = 0L;
        var linesTicks = 0L;
        var (bytes, linesBytes) = (0L, 0L);
        var (wholeTicks, incrementalTicks, skipped) = (0L, 0L, 0);
        for (var i = 0; i < texts.Count; i++)
        {
            if (lastOfPath.TryGetValue(texts[i].Path, out var previous) && labelled[previous].Definition is { } before && parsed[i] is { } expected)
            {
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var started = ScanProfile.ThreadCpu();
                var fromLines = ValueChange.Apply(before, labelled[previous].Steps, CiDefinitionParser.Lines(texts[i].Text), new HashSet<CiStep>(ReferenceEqualityComparer.Instance), out _);
                linesTicks += ScanProfile.ThreadCpu() - started;
                linesBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                allocated = GC.GetAllocatedBytesForCurrentThread();
                started = ScanProfile.ThreadCpu();
                var model = ValueChange.Apply(before, labelled[previous].Steps, labelled[previous].ValueLines!, texts[i].Text, new HashSet<CiStep>(ReferenceEqualityComparer.Instance), out var edit);
                ticks += ScanProfile.ThreadCpu() - started;
                bytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                if ((fromLines is null) != (model is null) || (model is not null && Model(model) != Model(fromLines!)))
                {
                    differ++;
                    output.WriteLine($"DIFFERENT derived from every line and from the changed lines: {texts[i].Path} version {i}");
                }

                if (model is not null)
                {
                    derived++;
                    if (Model(model) != Model(expected) || !model.Lines.SequenceEqual(expected.Lines, StringComparer.Ordinal))
                    {
                        differ++;
                        output.WriteLine($"DIFFERENT when derived: {texts[i].Path} version {i}");
                    }

                    var checkedBefore = CheckedVersion.Whole(before, PipelineTamperingDetector.Checks);
                    // Read before the clock starts: a scan reads them once for the version a chain of derivations starts from.
                    var conditionLines = checkedBefore.ConditionLines;
                    started = ScanProfile.ThreadCpu();
                    var whole = CheckedVersion.Whole(expected, PipelineTamperingDetector.Checks);
                    var middle = ScanProfile.ThreadCpu();
                    var incremental = CheckedVersion.Derive(model, checkedBefore, new DerivedChange(edit!, conditionLines), PipelineTamperingDetector.Checks);
                    incrementalTicks += ScanProfile.ThreadCpu() - middle;
                    wholeTicks += middle - started;
                    skipped += PipelineTamperingDetector.Checks.Length - incremental.Ran.Count;
                    if (!whole.ByCheck.Zip(incremental.ByCheck).All(c => c.First.Select(x => x.ToString()).SequenceEqual(c.Second.Select(x => x.ToString()), StringComparer.Ordinal))
                        || !Conditions.LinesOf(expected).SetEquals(incremental.ConditionLines))
                    {
                        differ++;
                        output.WriteLine($"DIFFERENT checks when derived: {texts[i].Path} version {i}");
                    }
                }
            }

            lastOfPath[texts[i].Path] = i;
        }

        return (derived, TimeSpan.FromTicks(ticks), TimeSpan.FromTicks(linesTicks), bytes, linesBytes, TimeSpan.FromTicks(wholeTicks), TimeSpan.FromTicks(incrementalTicks), skipped);
    }

    // Everything the checks read, as text (the lines are the file's own, the same by construction).
    private static string Model(CiDefinition definition) => JsonSerializer.Serialize(definition with { Lines = [] }, Json);

    // Distinct blob ids of CI definitions over the whole history, oldest first (as a scan meets them), each with a path it had.
    private static List<(string Blob, string Path, CiPlatform Platform)> Versions(string repo)
    {
        var start = new ProcessStartInfo("git", ["-C", repo, "log", "--all", "--reverse", "--date-order", "--format=", "--raw", "--no-abbrev", "--no-renames"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var git = Process.Start(start)!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var versions = new List<(string, string, CiPlatform)>();
        while (git.StandardOutput.ReadLine() is { } line)
        {
            // ":100644 100644 <old> <new> M\tpath"
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var fields = line[..Math.Max(0, tab)].Split(' ');
            if (tab < 0 || fields.Length < 5) continue;
            var path = line[(tab + 1)..];
            if (CiDefinitionParser.Classify(path) is not { } platform) continue;
            foreach (var blob in (string[])[fields[2], fields[3]])
            {
                if (blob.Trim('0').Length > 0 && seen.Add(blob)) versions.Add((blob, path, platform));
            }
        }

        git.WaitForExit();
        return versions;
    }
}
