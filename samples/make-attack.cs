// Writes samples/attack/: six weeks of acme's GitHub audit log and its in-house CD tool's deployment records, ending
// in an attack told across both.
//
//   dotnet run samples/make-attack.cs        (from the repository root)
//
// The story: alice-sre (US), bob-dev (DE) and dave-maint (GB) log in, clone, push and merge on weekdays at their usual
// hours; alice rotates NPM_TOKEN on Tuesdays and Thursdays; deploy-bot ships payments-api to production twice a day.
// On Monday 19 October dave-maint's account adds an outside collaborator, x-contractor; twenty minutes later
// x-contractor changes the AWS_DEPLOY_KEY secret, which it never touched before, and fifteen minutes after that it
// deploys payments-api to an environment nobody ever deployed to.
using System.Globalization;
using System.Text.Json.Nodes;

var root = FindRoot();
const string Repository = "acme/payments-api";
var start = new DateTimeOffset(2026, 9, 7, 0, 0, 0, TimeSpan.Zero);
(string Login, string Country, string Ip, int FirstHour)[] staff =
[
    ("alice-sre", "US", "203.0.113.10", 14), ("bob-dev", "DE", "198.51.100.7", 8), ("dave-maint", "GB", "192.0.2.44", 9),
];
string[] daily = ["user.login", "git.clone", "git.push", "pull_request.merge", "git.fetch"];

var audit = new List<(DateTimeOffset At, string Line)>();
var deployments = new List<(DateTimeOffset At, string Line)>();
for (var day = 0; day < 42; day++)
{
    var date = start.AddDays(day);
    if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
    foreach (var (login, country, ip, firstHour) in staff)
    {
        for (var i = 0; i < daily.Length; i++)
        {
            Audit(login, country, ip, daily[i], date.AddHours(firstHour + i + (i == 0 ? 0 : 1)).AddMinutes((day % 7 * 4) + i));
        }
    }

    if (date.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Thursday)
    {
        Audit("alice-sre", "US", "203.0.113.10", "repo.update_actions_secret", date.AddHours(16).AddMinutes(30), ("name", "NPM_TOKEN"));
    }

    Deploy("deploy-bot", "production", "k8s://prod-us-east/payments", date.AddHours(10).AddMinutes(day % 5), day * 2);
    Deploy("deploy-bot", "production", "k8s://prod-us-east/payments", date.AddHours(16).AddMinutes(day % 7), (day * 2) + 1);
}

var attack = start.AddDays(42).AddHours(10);
Audit("dave-maint", "GB", "192.0.2.44", "user.login", attack);
Audit("dave-maint", "GB", "192.0.2.44", "repo.add_member", attack.AddMinutes(5), ("user", "x-contractor"), ("permission", "write"));
Audit("x-contractor", "NL", "185.220.101.4", "repo.update_actions_secret", attack.AddMinutes(25), ("name", "AWS_DEPLOY_KEY"));
Deploy("x-contractor", "prod-mirror", "k8s://203.0.113.9/payments", attack.AddMinutes(40), 999);

var folder = Path.Combine(root, "samples", "attack");
Directory.CreateDirectory(folder);
File.WriteAllLines(Path.Combine(folder, "audit-log.jsonl"), audit.OrderBy(e => e.At).Select(e => e.Line));
File.WriteAllLines(Path.Combine(folder, "deployments.jsonl"), deployments.OrderBy(e => e.At).Select(e => e.Line));
Console.WriteLine($"wrote {audit.Count} audit-log entries and {deployments.Count} deployment records to samples/attack/");

// One GitHub audit-log entry, as the organization's audit-log export writes it.
void Audit(string actor, string country, string ip, string action, DateTimeOffset at, params (string Name, string Value)[] fields)
{
    var millis = at.ToUnixTimeMilliseconds();
    var entry = new JsonObject
    {
        ["@timestamp"] = millis,
        ["_document_id"] = $"{actor}-{millis.ToString(CultureInfo.InvariantCulture)}",
        ["action"] = action,
        ["actor"] = actor,
        ["actor_ip"] = ip,
        ["actor_location"] = new JsonObject { ["country_code"] = country },
        ["org"] = "acme",
        ["repo"] = Repository,
        ["user_agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    };
    foreach (var (name, value) in fields)
    {
        entry[name] = value;
    }

    audit.Add((at, entry.ToJsonString()));
}

// One record of the generic deployment format (README: "Generic deployment records").
void Deploy(string actor, string environment, string target, DateTimeOffset at, int run)
{
    var record = new JsonObject
    {
        ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["actor"] = actor,
        ["actor_type"] = actor.EndsWith("-bot", StringComparison.Ordinal) ? "bot" : "user",
        ["target"] = target,
        ["environment"] = environment,
        ["service"] = "payments-api",
        ["repository"] = Repository,
        ["version"] = $"2.{run / 10}.{run % 10}",
        ["pipeline"] = "payments-cd",
        ["run_id"] = (8000 + run).ToString(CultureInfo.InvariantCulture),
        ["outcome"] = "success",
    };
    deployments.Add((at, record.ToJsonString()));
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "PipeWatch.slnx"))) return dir.FullName;
    }

    throw new InvalidOperationException("run this from inside the PipeWatch repository");
}
