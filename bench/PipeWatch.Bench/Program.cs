using System.Globalization;
using PipeWatch.Bench;

// dotnet run -c Release --project bench/PipeWatch.Bench [-- [--suite NAME] --events N] [--breakdown] [--mb N] [--rounds N] [--commits N] [--out FOLDER [--force]] [--seconds N] [--seed N] [--rate N]
const string Usage = "usage: PipeWatch.Bench [--suite ingest|audit|secrets|secret-tool-corpus|secret-tool-natural-corpus|git-scan|deps|codechange|sigma|detection-cost|fuzz|alerts|serve|intel|json-array|inventory|images|estate|lockfiles|workflows|known-secrets|advisory-import|gitlog] [--events N] [--breakdown] [--mb N] [--rounds N] [--commits N] [--out FOLDER [--force]] [--seconds N] [--seed N] [--rate N]";
string[] suites = ["ingest", "audit", "secrets", "secret-tool-corpus", "secret-tool-natural-corpus", "git-scan", "deps", "codechange", "sigma", "detection-cost", "fuzz", "alerts", "serve", "intel", "json-array", "inventory", "images", "estate", "lockfiles", "workflows", "known-secrets", "advisory-import", "gitlog"];
const int WarmupLines = 20_000;

long events = 1_000_000;
var commits = 20_000;
var breakdown = false;
var force = false;
var suite = "ingest";
long megabytes = 100;
var rounds = 3;
string? outFolder = null;
var seconds = 120;
var seed = 22;
var rate = -1;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--events" when i + 1 < args.Length && long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out events) && events > 0:
            i++;
            break;
        case "--commits" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out commits) && commits >= 1_000:
            i++;
            break;
        case "--mb" when i + 1 < args.Length && long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out megabytes) && megabytes > 0:
            i++;
            break;
        case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out rounds) && rounds > 0:
            i++;
            break;
        case "--out" when i + 1 < args.Length:
            outFolder = args[++i];
            break;
        case "--suite" when i + 1 < args.Length && suites.Contains(args[i + 1]):
            suite = args[++i];
            break;
        case "--seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out seconds) && seconds > 0:
            i++;
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out seed):
            i++;
            break;
        case "--rate" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out rate):
            i++;
            break;
        case "--breakdown":
            breakdown = true;
            break;
        case "--force":
            force = true;
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

var root = FindRoot(Directory.GetCurrentDirectory()) ?? FindRoot(AppContext.BaseDirectory);
if (root is null)
{
    Console.Error.WriteLine("cannot find the repository root (PipeWatch.slnx) above the current folder");
    return 2;
}

// --out names a folder the corpus suites delete and rewrite: only one they wrote, and outside bench/out only with --force.
var benchOut = Path.Combine(root, "bench", "out");
if (suite == "secret-tool-corpus") return SecretToolCorpus.Write(outFolder ?? Path.Combine(benchOut, "secret-tools"), benchOut, megabytes, natural: false, force, Console.Out, Console.Error);
if (suite == "secret-tool-natural-corpus") return SecretToolCorpus.Write(outFolder ?? Path.Combine(benchOut, "secret-tools-natural"), benchOut, megabytes, natural: true, force, Console.Out, Console.Error);
if (suite == "fuzz") return FuzzHarness.Run(root, seconds, seed, Console.Out);
if (suite == "estate") return await EstateBenchmark.RunAsync(root, events, Console.Out);
if (suite == "serve") return await ServeLoadBenchmark.RunAsync(root, events, rate, Console.Out);
if (suite == "lockfiles") return LockfileParseBenchmark.Run(Console.Out);
if (suite == "gitlog") return GitLogParseBenchmark.Run(rounds, Console.Out);
if (suite == "workflows")
{
    // The CI definitions the checks read, then the dependency lists (actions, images) the dependency detectors read.
    var definitions = WorkflowParseBenchmark.Run(Console.Out);
    var dependencies = WorkflowDependencyBenchmark.Run(Console.Out);
    return Math.Max(definitions, dependencies);
}
if (suite == "advisory-import") return AdvisoryImportBenchmark.Run(root, Console.Out);
if (suite == "deps") return await DependencyMatchBenchmark.RunAsync(root, Console.Out);
if (suite == "inventory") return await InventoryRematchBenchmark.RunAsync(root, Console.Out);
if (suite == "alerts") return await AlertsBenchmark.RunAsync(Math.Min(events, 100_000), Console.Out);
if (suite == "codechange") return CodeChangeBenchmark.Run(Math.Min(events, 100_000), Console.Out);
if (suite == "json-array") return await JsonArrayBenchmark.RunAsync(root, events, Console.Out);
if (suite == "images") return ImageExtractionBenchmark.Run(root, (int)Math.Min(megabytes, 64_000), rounds, Console.Out);
if (suite == "intel") return await IntelBenchmark.RunAsync(root, events, megabytes, rounds, Console.Out);
if (suite == "secrets") return SecretScanBenchmark.Run(megabytes, rounds, Console.Out);
if (suite == "known-secrets") return KnownSecretBenchmark.Run(megabytes, rounds, Console.Out);
if (suite == "sigma") return SigmaBenchmark.Run(root, events, breakdown, rounds, Console.Out);
if (suite == "audit") return await AuditBenchmark.RunAsync(root, events, WarmupLines, breakdown, Console.Out);
if (suite == "detection-cost") return await DetectionCostBenchmark.RunAsync(root, events, Console.Out);
if (suite == "git-scan") return await GitScanBenchmark.RunAsync(root, commits, Math.Min(5_000, commits), Console.Out);

var corpus = WorkflowJobCorpus.Ensure(root, events, Console.Out);
var warmup = Path.Combine(Path.GetDirectoryName(corpus)!, "workflow-jobs.warmup.jsonl");
WorkflowJobCorpus.WritePrefix(corpus, warmup, (int)Math.Min(WarmupLines, events));
return await new IngestBenchmark(corpus, warmup, breakdown, Console.Out).RunAsync();

static string? FindRoot(string start)
{
    for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "PipeWatch.slnx"))) return folder.FullName;
    }

    return null;
}
