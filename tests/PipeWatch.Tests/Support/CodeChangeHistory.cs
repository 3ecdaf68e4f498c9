using PipeWatch.Detectors;
using PipeWatch.Configuration;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Tests.Support;

/// <summary>A repository history of normal work by three authors at their regular hours, run through every code-change detector and detector as <c>scan</c> does.</summary>
/// <remarks>
/// Alice (UTC+01:00, 10:xx), Bob (UTC-05:00, 11:xx) and Carol (UTC+05:30, 14:xx) each commit once every weekday from Monday
/// 7 September 2026, editing their own module (a few lines changed and one added). On the first Monday Alice adds a pinned CI
/// workflow and Carol a 1,500-line data catalog.
/// </remarks>
internal sealed class CodeChangeHistory
{
    public const string Workflow = ".github/workflows/ci.yml";

    public const string CleanWorkflow = """
        name: ci
        on: [push, pull_request]
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
              - name: Build
                run: make build
              - name: Test
                run: make test

        """;

    public static readonly DateTime Start = new(2026, 9, 7);

    private static readonly (string Name, TimeSpan Offset, int Hour)[] Authors =
    [
        ("Alice", TimeSpan.FromHours(1), 10),
        ("Bob", TimeSpan.FromHours(-5), 11),
        ("Carol", new TimeSpan(5, 30, 0), 14),
    ];

    private readonly ICommitDetector[] _detectors;
    private readonly Dictionary<string, List<string>> _modules = new(StringComparer.Ordinal);

    public CodeChangeHistory(string? config = null)
    {
        var options = config is null ? PipeWatchConfig.Default : ConfigLoader.Parse(config, "pipewatch.yml");
        _detectors =
        [
            new PipelineTamperingDetector(),
            new ObfuscatedCodeDetector(options.Options<ObfuscatedCodeOptions>()),
            new CommitEventAdapter(new UnauthorizedAuthorDetector(options.Options<UnauthorizedAuthorOptions>())),
            new CommitEventAdapter(new UnusualCommitTimeDetector(options.Options<UnusualCommitTimeOptions>())),
            new CommitEventAdapter(new UnusualCommitLocationDetector(options.Options<UnusualCommitLocationOptions>())),
            new CommitEventAdapter(new LargeDeletionDetector(options.Options<LargeDeletionOptions>())),
        ];
    }

    public CommitBench Bench { get; } = new();

    public IReadOnlyList<Finding> Findings => Bench.Findings;

    /// <summary>A person's identity at a local time on a day of the history.</summary>
    public static GitIdentity At(string name, DateTime day, int hour, int minute, TimeSpan offset) =>
        CommitBench.Person(name, new DateTimeOffset(day.AddHours(hour).AddMinutes(minute), offset));

    /// <summary>Writes <paramref name="weeks"/> weeks of normal work, with the setup commits first.</summary>
    public CodeChangeHistory Normal(int weeks = 6)
    {
        Commit(At("Alice", Start, 9, 30, TimeSpan.FromHours(1)), (Workflow, CleanWorkflow));
        Commit(At("Carol", Start, 13, 40, new TimeSpan(5, 30, 0)), ("data/catalog.txt", string.Concat(Enumerable.Range(1, 1500).Select(i => $"item {i}\n"))));
        for (var day = 0; day < weeks * 7; day++)
        {
            var date = Start.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            foreach (var (name, offset, hour) in Authors)
            {
                Commit(At(name, date, hour, (day * 7) % 50, offset), ($"src/{name.ToLowerInvariant()}/module.txt", NextModule(name, day)));
            }
        }

        return this;
    }

    /// <summary>Makes a commit and runs every detector over it.</summary>
    public GitCommit Commit(GitIdentity who, params (string Path, string? Text)[] files)
    {
        var commit = Bench.Commit(who, files);
        foreach (var detector in _detectors) Bench.Run(detector, commit);
        return commit;
    }

    private string NextModule(string name, int day)
    {
        if (!_modules.TryGetValue(name, out var lines)) _modules[name] = lines = [.. Enumerable.Range(1, 40).Select(i => $"{name} line {i}")];
        for (var k = 0; k < 3; k++) lines[(day * 3 + k) % lines.Count] = $"{name} line {(day * 3) + k} revised on day {day}";
        lines.Add($"{name} addition on day {day}");
        return string.Join('\n', lines) + "\n";
    }
}
