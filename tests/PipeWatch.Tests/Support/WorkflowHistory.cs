using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PipeWatch.Tests.Support;

/// <summary>
/// Writes a history of GitHub Actions runs as real-shaped webhook payloads: each run is a <c>workflow_job</c> payload
/// (from the corpus' completed job) and a <c>workflow_run</c> payload (from the corpus' completed run), with ids, times,
/// step durations and outcomes set per run.
/// </summary>
internal sealed class WorkflowHistory
{
    public const string Repository = "octo-org/octo-repo";
    public const string Workflow = "CI";
    public const string Job = "linters";

    private static readonly string[] DefaultSteps =
        ["Set up job", "Checkout Repo", "Install Ruby", "Run Rubocop", "Run Brakeman", "Run Bundle Audit", "Post Checkout Repo", "Complete job"];

    private readonly JsonObject _jobTemplate;
    private readonly JsonObject _runTemplate;
    private readonly string _folder;
    private DateTimeOffset _clock = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
    private int _written;

    /// <param name="folder">Where payload files go.</param>
    /// <param name="skip">Runs already written to the folder by another instance: numbering and the clock go on after them.</param>
    public WorkflowHistory(string folder, int skip = 0)
    {
        _folder = folder;
        _written = skip;
        _clock = _clock.AddHours(3 * skip);
        _jobTemplate = Load("workflow_job", "completed.success.with-organization.payload.json");
        _runTemplate = Load("workflow_run", "completed.payload.json");
    }

    /// <summary>Step names of a normal run (those of the corpus job).</summary>
    public static IReadOnlyList<string> NormalSteps => DefaultSteps;

    /// <summary>The run id of the n-th run written (1-based).</summary>
    public static long RunId(int n) => 5_000_000 + n;

    /// <summary>A normal run: every step passes, each around 40s with a few seconds of jitter.</summary>
    public static RunSpec Normal(int n) => new(
        [.. DefaultSteps.Select((name, i) => new StepSpec(name, TimeSpan.FromSeconds(40 + ((n * 7 + i * 3) % 9)), "success"))]);

    /// <summary>Writes run number <c>n</c> of the history and returns its two files.</summary>
    public (string JobFile, string RunFile) Write(RunSpec spec)
    {
        var n = ++_written;
        var runId = spec.RerunOf is { } original ? RunId(original) : RunId(n);
        var attempt = spec.RerunOf is null ? 1 : 2;
        var start = _clock;
        var job = _jobTemplate.DeepClone().AsObject();
        var wj = job["workflow_job"]!.AsObject();
        wj["id"] = 9_000_000 + n;
        wj["run_id"] = runId;
        wj["run_attempt"] = attempt;
        wj["run_url"] = $"https://api.github.com/repos/{Repository}/actions/runs/{runId}";
        wj["html_url"] = $"https://github.com/{Repository}/actions/runs/{runId}/job/{9_000_000 + n}";
        wj["workflow_name"] = Workflow;
        wj["name"] = spec.Job ?? Job;
        wj["conclusion"] = spec.Conclusion;
        wj["head_sha"] = $"{n:x8}".PadRight(40, 'a');
        var steps = new JsonArray();
        var at = start.AddSeconds(2);
        var number = 0;
        foreach (var step in spec.Steps)
        {
            // Real step numbers have gaps (post steps jump ahead); keep one.
            number += step.Name.StartsWith("Post ", StringComparison.Ordinal) ? 6 : 1;
            var end = at + step.Duration;
            // Mixed time zones, as real payloads have: every third step is written with a +02:00 offset.
            var offset = number % 3 == 0 ? TimeSpan.FromHours(2) : TimeSpan.Zero;
            steps.Add(new JsonObject
            {
                ["name"] = step.Name,
                ["status"] = "completed",
                ["conclusion"] = step.Conclusion,
                ["number"] = number,
                ["started_at"] = Iso(at.ToOffset(offset)),
                ["completed_at"] = Iso((step.CompletesBeforeItStarts ? at.AddSeconds(-3) : end).ToOffset(offset)),
            });
            at = end;
        }

        wj["steps"] = steps;
        wj["created_at"] = Iso(start.AddSeconds(-30));
        wj["started_at"] = Iso(start);
        wj["completed_at"] = Iso(at.AddSeconds(1));
        job["repository"]!["full_name"] = Repository;

        var run = _runTemplate.DeepClone().AsObject();
        var wr = run["workflow_run"]!.AsObject();
        wr["id"] = runId;
        wr["name"] = Workflow;
        wr["run_number"] = n;
        wr["run_attempt"] = attempt;
        wr["conclusion"] = spec.Conclusion;
        wr["status"] = "completed";
        wr["created_at"] = Iso(start.AddSeconds(-40));
        wr["run_started_at"] = Iso(start.AddSeconds(-35));
        wr["updated_at"] = Iso(at.AddSeconds(5));
        wr["html_url"] = $"https://github.com/{Repository}/actions/runs/{runId}";
        run["repository"]!["full_name"] = Repository;

        _clock = start.AddHours(3);
        var jobFile = Path.Combine(_folder, $"run-{n:D3}-a-job.json");
        var runFile = Path.Combine(_folder, $"run-{n:D3}-b-run.json");
        File.WriteAllText(jobFile, job.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(runFile, run.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return (jobFile, runFile);
    }

    private static JsonObject Load(string folder, string file) =>
        JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", folder, file)))!.AsObject();

    private static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
}

/// <summary>One run: its steps in order, and its conclusion (failure when any step failed).</summary>
internal sealed record RunSpec(IReadOnlyList<StepSpec> Steps)
{
    /// <summary>The job's name when not the usual <see cref="WorkflowHistory.Job"/> (a renamed job).</summary>
    public string? Job { get; init; }

    /// <summary>When set, this is a second attempt of that earlier run (same run id, run_attempt 2).</summary>
    public int? RerunOf { get; init; }

    /// <summary>The job's and run's conclusion when the steps do not decide it (a job that reports no steps).</summary>
    public string? ConclusionOverride { get; init; }

    public string Conclusion => ConclusionOverride ?? (Steps.Any(s => s.Conclusion == "failure") ? "failure" : "success");

    public RunSpec WithStep(string name, Func<StepSpec, StepSpec> change) =>
        this with { Steps = [.. Steps.Select(s => s.Name == name ? change(s) : s)] };

    public RunSpec Without(string name) => this with { Steps = [.. Steps.Where(s => s.Name != name)] };

    /// <summary>The steps in a new order: <paramref name="name"/> moved to just before <paramref name="before"/>.</summary>
    public RunSpec Moving(string name, string before)
    {
        var steps = Steps.ToList();
        var step = steps.Single(s => s.Name == name);
        steps.Remove(step);
        steps.Insert(steps.FindIndex(s => s.Name == before), step);
        return this with { Steps = steps };
    }

    public RunSpec Inserting(string name, string after, TimeSpan duration)
    {
        var steps = Steps.ToList();
        steps.Insert(steps.FindIndex(s => s.Name == after) + 1, new StepSpec(name, duration, "success"));
        return this with { Steps = steps };
    }

    /// <summary>The named step fails; the steps after it (but post and complete steps) are skipped, as GitHub does.</summary>
    public RunSpec Failing(string name)
    {
        var failed = false;
        var steps = new List<StepSpec>();
        foreach (var step in Steps)
        {
            if (step.Name == name)
            {
                steps.Add(step with { Conclusion = "failure" });
                failed = true;
            }
            else if (failed && !step.Name.StartsWith("Post ", StringComparison.Ordinal) && step.Name != "Complete job")
            {
                steps.Add(step with { Conclusion = "skipped", Duration = TimeSpan.Zero });
            }
            else
            {
                steps.Add(step);
            }
        }

        return this with { Steps = steps };
    }
}

/// <summary>One step of a generated run.</summary>
internal sealed record StepSpec(string Name, TimeSpan Duration, string Conclusion, bool CompletesBeforeItStarts = false);
