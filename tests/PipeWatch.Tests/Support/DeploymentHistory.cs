using System.Globalization;
using System.Text.Json.Nodes;

namespace PipeWatch.Tests.Support;

/// <summary>
/// Writes a history of GitHub deployments as real-shaped webhook payloads, one per line: for each deployment a
/// <c>deployment</c> (created) and <c>deployment_status</c> in_progress and success payloads (from the corpus' Pages
/// deployment, which Actions made), and on request the <c>deployment_review</c> requested/approved payloads of its run.
/// </summary>
internal sealed class DeploymentHistory
{
    public const string Repository = "Codertocat/Hello-World";
    public const string Url = "https://app.example.com";

    /// <summary>The first Monday of the history, 2026-09-07.</summary>
    public static readonly DateTimeOffset Start = new(2026, 9, 7, 0, 0, 0, TimeSpan.Zero);

    private readonly JsonObject _deployment = Load("deployment", "gh-pages.payload.json");
    private readonly JsonObject _status = Load("deployment_status", "gh-pages.payload.json");
    private readonly JsonObject _requested = Load("deployment_review", "requested.payload.json");
    private readonly JsonObject _approved = JsonNode.Parse(File.ReadAllText(Sources.PayloadFiles.Fixture("GitHub", "deployment-review-approved.json")))!.AsObject();
    private readonly List<string> _lines = [];
    private readonly string _repository;
    private long _next;

    /// <param name="repository">The <c>repository.full_name</c> of every payload.</param>
    public DeploymentHistory(string repository = Repository) => _repository = repository;

    /// <summary>Deployments written.</summary>
    public int Count => (int)_next;

    /// <summary>Two deployments every weekday (10:00 and 15:00 UTC) for <paramref name="weeks"/> weeks, by the given actors in turn.</summary>
    public DeploymentHistory Normal(int weeks, params string[] actors)
    {
        var turn = 0;
        for (var day = 0; day < weeks * 7; day++)
        {
            var date = Start.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            foreach (var hour in new[] { 10, 15 })
            {
                Deploy(date.AddHours(hour).AddMinutes(turn % 7), actors[turn % actors.Length], review: "approved");
                turn++;
            }
        }

        return this;
    }

    /// <summary>One deployment: created, in progress, success, each a minute apart; with a review of its run before it when asked.</summary>
    public long Deploy(DateTimeOffset at, string actor, string environment = "production", string url = Url, string? review = null)
    {
        var id = 200_000_000 + ++_next;
        var runId = 7_000_000 + _next;
        if (review is not null)
        {
            _lines.Add(Review(_requested, runId, environment, at.AddMinutes(-5), "octo-lead"));
            if (review == "approved") _lines.Add(Review(_approved, runId, environment, at.AddMinutes(-2), "octo-lead"));
        }

        var deployment = _deployment.DeepClone().AsObject();
        SetDeployment(deployment["deployment"]!.AsObject(), id, environment, actor, at);
        SetCommon(deployment, runId, actor);
        _lines.Add(deployment.ToJsonString());
        foreach (var (state, minutes) in new[] { ("in_progress", 1), ("success", 2) })
        {
            var status = _status.DeepClone().AsObject();
            SetDeployment(status["deployment"]!.AsObject(), id, environment, actor, at);
            SetCommon(status, runId, actor);
            var s = status["deployment_status"]!.AsObject();
            s["id"] = 300_000_000 + (_next * 10) + minutes;
            s["state"] = state;
            s["environment"] = environment;
            s["environment_url"] = state == "success" ? url : string.Empty;
            s["created_at"] = Iso(at.AddMinutes(minutes));
            s["updated_at"] = Iso(at.AddMinutes(minutes));
            _lines.Add(status.ToJsonString());
        }

        return runId;
    }

    /// <summary>Only a review request for the run of the next deployment (which is then written with <see cref="Deploy"/> and no review).</summary>
    public void RequestReviewOfNext(DateTimeOffset at, string environment = "production") =>
        _lines.Add(Review(_requested, 7_000_000 + _next + 1, environment, at, "octo-lead"));

    /// <summary>Writes everything to one JSON Lines file and returns its path.</summary>
    public string Save(string path)
    {
        File.WriteAllLines(path, _lines);
        return path;
    }

    private static void SetDeployment(JsonObject d, long id, string environment, string actor, DateTimeOffset at)
    {
        d["id"] = id;
        d["environment"] = environment;
        d["original_environment"] = environment;
        d["created_at"] = Iso(at);
        d["updated_at"] = Iso(at);
        d["sha"] = $"{id:x8}".PadRight(40, 'c');
        var creator = d["creator"]!.AsObject();
        creator["login"] = actor;
        creator["type"] = actor.EndsWith("[bot]", StringComparison.Ordinal) ? "Bot" : "User";
    }

    private void SetCommon(JsonObject payload, long runId, string actor)
    {
        payload["repository"]!["full_name"] = _repository;
        payload["sender"]!["login"] = actor;
        var run = payload["workflow_run"]!.AsObject();
        run["id"] = runId;
        run["name"] = "deploy";
    }

    private string Review(JsonObject template, long runId, string environment, DateTimeOffset at, string reviewer)
    {
        var review = template.DeepClone().AsObject();
        review["repository"]!["full_name"] = _repository;
        review["workflow_run"]!["id"] = runId;
        review["workflow_run"]!["name"] = "deploy";
        review["since"] = Iso(at);
        if (review["environment"] is not null) review["environment"] = environment;
        if (review["workflow_job_run"] is JsonObject job) job["environment"] = environment;
        if (review["workflow_job_runs"] is JsonArray jobs) jobs[0]!["environment"] = environment;
        if (review["approver"] is JsonObject approver) approver["login"] = reviewer;
        return review.ToJsonString();
    }

    private static JsonObject Load(string folder, string file) =>
        JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", folder, file)))!.AsObject();

    private static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
