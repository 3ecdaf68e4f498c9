// Writes samples/demo/github-actions.jsonl: three weeks of a repository's GitHub Actions history as real-shaped
// workflow_job and workflow_run webhook payloads (built from the corpus' own examples), ending in an incident.
//
//   dotnet run samples/make-demo.cs        (from the repository root, with ../shared/corpus beside it)
//
// The story: acme/payments-api builds on every push, always the same nine steps, about six minutes, always green.
// Run 41 carries a new step, "Collect diagnostics", between Build and Test, and its Test step runs six times longer
// (a miner riding along). Runs 42 to 44 then fail at "Publish package": the stolen token was revoked.
using System.Globalization;
using System.Text.Json.Nodes;

var root = FindRoot();
var corpus = Path.Combine(root, "..", "shared", "corpus", "github-webhooks");
var jobTemplate = JsonNode.Parse(File.ReadAllText(Path.Combine(corpus, "workflow_job", "completed.success.with-organization.payload.json")))!.AsObject();
var runTemplate = JsonNode.Parse(File.ReadAllText(Path.Combine(corpus, "workflow_run", "completed.payload.json")))!.AsObject();

const string Repository = "acme/payments-api";
string[] steps = ["Set up job", "Checkout", "Setup .NET", "Restore", "Build", "Test", "Publish package", "Post Checkout", "Complete job"];
double[] seconds = [3, 4, 21, 48, 95, 160, 18, 1, 1];
string[] developers = ["mona", "hubot", "octocat"];

var lines = new List<string>();
var clock = new DateTimeOffset(2026, 10, 5, 8, 30, 0, TimeSpan.Zero);
for (var n = 1; n <= 44; n++)
{
    var names = steps.ToList();
    var durations = seconds.Select((s, i) => s * (0.9 + ((n * 13 + i * 7) % 21) / 100.0)).ToList();
    var conclusions = Enumerable.Repeat("success", steps.Length).ToList();
    var actor = developers[n % developers.Length];
    if (n == 41)
    {
        names.Insert(5, "Collect diagnostics");
        durations.Insert(5, 12);
        conclusions.Insert(5, "success");
        durations[6] *= 6;
        actor = "ci-helper-bot";
    }
    else if (n > 41)
    {
        var publish = names.IndexOf("Publish package");
        conclusions[publish] = "failure";
    }

    var failed = conclusions.Contains("failure");
    var runId = 7_100_000_000L + n;
    var jobId = 21_000_000_000L + n;
    var start = clock;
    var stepNodes = new JsonArray();
    var at = start.AddSeconds(5);
    var number = 0;
    for (var i = 0; i < names.Count; i++)
    {
        number += names[i].StartsWith("Post ", StringComparison.Ordinal) ? 8 : 1;
        var end = at.AddSeconds(durations[i]);
        stepNodes.Add((JsonNode)new JsonObject
        {
            ["name"] = names[i],
            ["status"] = "completed",
            ["conclusion"] = conclusions[i],
            ["number"] = number,
            ["started_at"] = Iso(at),
            ["completed_at"] = Iso(end),
        });
        at = end;
    }

    var job = jobTemplate.DeepClone().AsObject();
    var wj = job["workflow_job"]!.AsObject();
    wj["id"] = jobId;
    wj["run_id"] = runId;
    wj["run_url"] = $"https://api.github.com/repos/{Repository}/actions/runs/{runId}";
    wj["url"] = $"https://api.github.com/repos/{Repository}/actions/jobs/{jobId}";
    wj["html_url"] = $"https://github.com/{Repository}/actions/runs/{runId}/job/{jobId}";
    wj["check_run_url"] = $"https://api.github.com/repos/{Repository}/check-runs/{jobId}";
    wj["head_sha"] = $"{n * 2654435761L:x10}".PadRight(40, '0')[..40];
    wj["workflow_name"] = "CI";
    wj["name"] = "build";
    wj["conclusion"] = failed ? "failure" : "success";
    wj["created_at"] = Iso(start.AddSeconds(-20));
    wj["started_at"] = Iso(start);
    wj["completed_at"] = Iso(at.AddSeconds(2));
    wj["steps"] = stepNodes;
    job["repository"]!["full_name"] = Repository;
    job["repository"]!["name"] = "payments-api";
    job["sender"]!["login"] = actor;
    lines.Add(job.ToJsonString());

    var run = runTemplate.DeepClone().AsObject();
    var wr = run["workflow_run"]!.AsObject();
    wr["id"] = runId;
    wr["name"] = "CI";
    wr["path"] = ".github/workflows/ci.yml";
    wr["run_number"] = n;
    wr["event"] = "push";
    wr["status"] = "completed";
    wr["conclusion"] = failed ? "failure" : "success";
    wr["head_sha"] = wj["head_sha"]!.GetValue<string>();
    wr["created_at"] = Iso(start.AddSeconds(-25));
    wr["run_started_at"] = Iso(start.AddSeconds(-25));
    wr["updated_at"] = Iso(at.AddSeconds(6));
    wr["html_url"] = $"https://github.com/{Repository}/actions/runs/{runId}";
    run["repository"]!["full_name"] = Repository;
    run["repository"]!["name"] = "payments-api";
    run["sender"]!["login"] = actor;
    wr["actor"]!["login"] = actor;
    wr["triggering_actor"]!["login"] = actor;
    lines.Add(run.ToJsonString());

    // Pushes at working hours, roughly two a day.
    clock = clock.AddHours(n % 2 == 0 ? 19 : 5);
}

var output = Path.Combine(root, "samples", "demo");
Directory.CreateDirectory(output);
File.WriteAllLines(Path.Combine(output, "github-actions.jsonl"), lines);
Console.WriteLine($"wrote {lines.Count} payloads to samples/demo/github-actions.jsonl");

static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

static string FindRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "PipeWatch.slnx"))) return dir.FullName;
    }

    throw new InvalidOperationException("run this from inside the PipeWatch repository");
}
