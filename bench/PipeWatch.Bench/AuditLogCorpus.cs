using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Bench;

/// <summary>Writes a JSON Lines file of GitHub audit-log entries (the organization export / streaming shape) for the audit benchmark.</summary>
/// <remarks>
/// 12 organizations, 40 repositories each, 600 people (each with a home country, a usual IP and a working day in UTC) and
/// three bots; the action mix of a busy organization: clones, fetches and pushes, workflow runs, pull requests, logins,
/// repository and organization settings, a few secret rotations by each organization's two keepers. Sprinkled in:
/// ~0.02% entries from a country the person never used, ~0.03% secret changes by someone else, failed-login bursts,
/// outside collaborators, branch protection removed, webhooks to outside hosts, broad new tokens. Time moves forward
/// (nights and weekends quieter). Deterministic (fixed seed); the file is reused when its parameters file matches.
/// </remarks>
internal sealed class AuditLogCorpus
{
    private const int Seed = 20_261_005;
    private const int FormatRevision = 1;
    private const int Organizations = 12;
    private const int RepositoriesPerOrganization = 40;
    private const int People = 600;

    private static readonly DateTimeOffset Epoch = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static readonly (string Code, string IpPrefix, int WorkStartUtc)[] Countries =
    [
        ("US", "203.0.113.", 14), ("US", "198.51.100.", 16), ("DE", "192.0.2.", 7), ("GB", "198.18.0.", 8), ("FR", "198.18.1.", 7),
        ("IN", "198.18.2.", 4), ("BR", "198.18.3.", 11), ("JP", "198.18.4.", 0), ("CA", "198.18.5.", 13), ("NL", "198.18.6.", 7),
        ("PL", "198.18.7.", 7), ("ES", "198.18.8.", 7), ("SE", "198.18.9.", 7), ("AU", "198.18.10.", 22), ("SG", "198.18.11.", 1),
    ];

    private static readonly string[] FarCountries = ["RU", "CN", "NG", "KP", "IR", "VN", "ZA", "AR"];

    /// <summary>Cumulative weights of the everyday actions (per mille).</summary>
    private static readonly (string Action, int Weight)[] Mix =
    [
        ("git.clone", 300), ("git.fetch", 140), ("git.push", 110), ("workflows.created_workflow_run", 70), ("workflows.completed_workflow_run", 70),
        ("pull_request.create", 40), ("pull_request.merge", 30), ("pull_request_review.submit", 40), ("user.login", 80), ("repo.download_zip", 15),
        ("repo.update_member", 5), ("repo.create", 3), ("repo.rename", 1), ("repo.archived", 1), ("org.update_member", 3), ("org.invite_member", 3),
        ("team.add_member", 8), ("team.add_repository", 4), ("protected_branch.update", 4), ("environment.update_protection_rule", 2),
        ("integration_installation.repositories_added", 3), ("hook.config_changed", 2), ("workflows.approve_workflow_job", 8),
        ("oauth_access.create", 3), ("personal_access_token.access_granted", 2), ("secret", 12), ("user.failed_login", 5), ("dependabot_alerts.enable", 2),
        ("repository_secret_scanning.enable", 1), ("codespaces.create", 6), ("copilot.cfb_seat_added", 3), ("repo.add_topic", 5), ("org.audit_log_export", 1),
        ("repo.access", 2), ("business.set_actions_retention_limit", 1), ("marketplace_agreement_signature.create", 1),
    ];

    private static readonly string[] SecretActions =
        ["repo.update_actions_secret", "repo.create_actions_secret", "environment.update_actions_secret", "org.update_actions_secret", "repo.update_actions_variable"];

    private static readonly string[] SecretNames = ["NPM_TOKEN", "DEPLOY_KEY", "AWS_SECRET_ACCESS_KEY", "SONAR_TOKEN", "DOCKERHUB_TOKEN", "SLACK_WEBHOOK"];
    private static readonly string[] Workflows = ["CI", "CodeQL", "Release", "Deploy", "Nightly"];
    private static readonly string[] Agents =
    [
        "git/2.45.2", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "GitHub-Hookshot/a1b2c3d", "gh/2.62.0",
    ];

    private static readonly string[] Bots = ["github-actions[bot]", "dependabot[bot]", "renovate[bot]"];

    private readonly Random _random = new(Seed);
    private readonly Person[] _people;
    private readonly List<int>[] _atWork = new List<int>[24];
    private readonly string[] _repositories;
    private readonly int[][] _keepers;
    private readonly int[] _totalWeight;
    private long _runId = 12_000_000_000;
    private Stream? _stream;

    private AuditLogCorpus()
    {
        _people = new Person[People];
        for (var i = 0; i < 24; i++) _atWork[i] = [];
        for (var i = 0; i < People; i++)
        {
            var country = Countries[_random.Next(Countries.Length)];
            _people[i] = new Person($"dev-{i:D3}-{Syllable(i)}", country.Code, $"{country.IpPrefix}{1 + _random.Next(250)}", (country.WorkStartUtc + _random.Next(-1, 2) + 24) % 24, i % Organizations);
            for (var h = 0; h < 8; h++) _atWork[(_people[i].FirstHour + h) % 24].Add(i);
        }

        _repositories = new string[Organizations * RepositoriesPerOrganization];
        for (var o = 0; o < Organizations; o++)
        {
            for (var r = 0; r < RepositoriesPerOrganization; r++) _repositories[(o * RepositoriesPerOrganization) + r] = $"org-{o:D2}/service-{r:D2}";
        }

        // Two keepers of the secrets per organization, people of that organization.
        _keepers = [.. Enumerable.Range(0, Organizations).Select(o => Enumerable.Range(0, People).Where(p => _people[p].Org == o).Take(2).ToArray())];
        _totalWeight = new int[Mix.Length];
        var sum = 0;
        for (var i = 0; i < Mix.Length; i++)
        {
            sum += Mix[i].Weight;
            _totalWeight[i] = sum;
        }
    }

    /// <summary>The corpus of <paramref name="events"/> lines under <c>bench/out</c>, written unless an identical one is there.</summary>
    public static string Ensure(string root, long events, TextWriter log)
    {
        var folder = Path.Combine(root, "bench", "out");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "audit-log.jsonl");
        var parametersPath = path + ".params";
        var parameters = $"events={events} seed={Seed} revision={FormatRevision}";
        if (File.Exists(path) && File.Exists(parametersPath) && File.ReadAllText(parametersPath) == $"{parameters} bytes={new FileInfo(path).Length}")
        {
            log.WriteLine($"corpus: reusing {Path.GetRelativePath(root, path)} ({events:N0} events, {new FileInfo(path).Length / 1e6:N0} MB)");
            return path;
        }

        log.WriteLine($"corpus: writing {events:N0} audit-log entries to {Path.GetRelativePath(root, path)} ...");
        var started = System.Diagnostics.Stopwatch.StartNew();
        File.Delete(parametersPath);
        var partial = path + ".partial";
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            new AuditLogCorpus().Write(stream, events);
        }

        File.Move(partial, path, overwrite: true);
        File.WriteAllText(parametersPath, $"{parameters} bytes={new FileInfo(path).Length}");
        log.WriteLine($"corpus: {new FileInfo(path).Length / 1e6:N0} MB in {started.Elapsed.TotalSeconds:N1} s");
        return path;
    }

    private void Write(Stream stream, long events)
    {
        _stream = stream;
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true });
        var time = Epoch;
        long written = 0;
        while (written < events)
        {
            // Busy hours on weekdays, a trickle at night and on weekends.
            var weekend = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            time = time.AddMilliseconds(_random.Next(weekend ? 20_000 : 3_000));
            var hour = time.UtcDateTime.Hour;
            var atWork = _atWork[hour];
            if (_random.Next(100) < 8 || atWork.Count == 0 || (weekend && _random.Next(10) > 0))
            {
                written += Entry(writer, time, Bots[_random.Next(Bots.Length)], null, Pick("bot"), written);
                continue;
            }

            var person = _people[atWork[_random.Next(atWork.Count)]];
            var action = Pick(null);
            if (action == "user.failed_login" && _random.Next(50) == 0)
            {
                // A burst of failures against one account.
                for (var i = 0; i < 6 && written < events; i++) written += Entry(writer, time.AddSeconds(i * 20), person.Login, person, action, written);
                continue;
            }

            written += Entry(writer, time, person.Login, person, action, written);
        }
    }

    private string Pick(string? who)
    {
        if (who == "bot") return _random.Next(3) switch { 0 => "workflows.created_workflow_run", 1 => "workflows.completed_workflow_run", _ => "git.push" };
        var roll = _random.Next(_totalWeight[^1]);
        for (var i = 0; i < _totalWeight.Length; i++)
        {
            if (roll < _totalWeight[i]) return Mix[i].Action;
        }

        return Mix[0].Action;
    }

    private int Entry(Utf8JsonWriter writer, DateTimeOffset time, string actor, Person? person, string action, long index)
    {
        var org = person?.Org ?? _random.Next(Organizations);
        var repository = _repositories[(org * RepositoriesPerOrganization) + _random.Next(RepositoriesPerOrganization)];
        if (action == "secret")
        {
            action = SecretActions[_random.Next(SecretActions.Length)];
            // Mostly the organization's keepers; now and then someone else.
            if (_random.Next(3000) >= 1)
            {
                var keeper = _people[_keepers[org][_random.Next(_keepers[org].Length)]];
                (actor, person) = (keeper.Login, keeper);
            }
        }

        action = action switch
        {
            "protected_branch.update" when _random.Next(30) == 0 => "protected_branch.destroy",
            "hook.config_changed" when _random.Next(10) == 0 => "hook.create",
            "team.add_member" when _random.Next(200) == 0 => "org.add_outside_collaborator",
            _ => action,
        };
        var millis = time.ToUnixTimeMilliseconds();
        writer.WriteStartObject();
        writer.WriteNumber("@timestamp"u8, millis);
        writer.WriteString("_document_id"u8, DocumentId(index));
        writer.WriteString("action"u8, action);
        writer.WriteString("actor"u8, actor);
        writer.WriteNumber("actor_id"u8, 10_000 + (person is null ? 1 : Array.IndexOf(_people, person) + 2));
        if (person is not null)
        {
            var country = person.Country;
            var ip = person.Ip;
            if (_random.Next(5000) == 0)
            {
                country = FarCountries[_random.Next(FarCountries.Length)];
                ip = $"185.220.{_random.Next(256)}.{_random.Next(256)}";
            }

            writer.WriteString("actor_ip"u8, ip);
            writer.WriteStartObject("actor_location"u8);
            writer.WriteString("country_code"u8, country);
            writer.WriteEndObject();
            writer.WriteString("user_agent"u8, Agents[_random.Next(Agents.Length)]);
        }

        writer.WriteString("business"u8, "acme-enterprise");
        writer.WriteNumber("created_at"u8, millis);
        writer.WriteString("operation_type"u8, action.StartsWith("git.", StringComparison.Ordinal) || action.EndsWith("login", StringComparison.Ordinal) ? "access" : "modify");
        writer.WriteString("org"u8, repository[..6]);
        writer.WriteNumber("org_id"u8, 9_000_000 + org);
        writer.WriteString("repo"u8, repository);
        writer.WriteBoolean("public_repo"u8, false);
        Details(writer, action, person, time);
        writer.WriteEndObject();
        writer.Flush();
        _stream!.WriteByte((byte)'\n');
        writer.Reset();
        return 1;
    }

    private void Details(Utf8JsonWriter writer, string action, Person? person, DateTimeOffset time)
    {
        switch (action)
        {
            case "git.clone" or "git.fetch" or "git.push":
                writer.WriteString("transport_protocol_name"u8, "http");
                writer.WriteNumber("transport_protocol"u8, 1);
                writer.WriteBoolean("repository_public"u8, false);
                break;
            case "workflows.created_workflow_run" or "workflows.completed_workflow_run" or "workflows.approve_workflow_job":
                var run = ++_runId;
                writer.WriteString("name"u8, Workflows[(int)(run % Workflows.Length)]);
                writer.WriteNumber("workflow_id"u8, 80_000_000 + (run % Workflows.Length));
                writer.WriteNumber("workflow_run_id"u8, run);
                writer.WriteString("head_branch"u8, _random.Next(4) == 0 ? $"feature/{run % 997}" : "main");
                writer.WriteString("head_sha"u8, $"{run:x12}".PadRight(40, '7'));
                writer.WriteString("event"u8, _random.Next(3) == 0 ? "pull_request" : "push");
                writer.WriteNumber("run_attempt"u8, 1);
                writer.WriteNumber("run_number"u8, run % 5000);
                writer.WriteString("trigger_id"u8, $"{run + 17}");
                if (action == "workflows.completed_workflow_run")
                {
                    writer.WriteString("conclusion"u8, _random.Next(25) == 0 ? "failure" : "success");
                    writer.WriteString("started_at"u8, time.AddMinutes(-6).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'", CultureInfo.InvariantCulture));
                    writer.WriteString("completed_at"u8, time.ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'", CultureInfo.InvariantCulture));
                }

                break;
            case "repo.update_member" or "org.update_member" or "org.invite_member" or "team.add_member" or "org.add_outside_collaborator":
                writer.WriteString("user"u8, _people[_random.Next(People)].Login);
                writer.WriteString("permission"u8, _random.Next(40) == 0 ? "admin" : "write");
                break;
            case "repo.access":
                writer.WriteString("visibility"u8, _random.Next(20) == 0 ? "public" : "internal");
                writer.WriteString("previous_visibility"u8, "private");
                break;
            case "protected_branch.update" or "protected_branch.destroy":
                writer.WriteString("name"u8, "main");
                break;
            case "hook.config_changed" or "hook.create":
                writer.WriteStartObject("config"u8);
                writer.WriteString("url"u8, _random.Next(10) == 0 ? "https://webhook.site/4f1c" : "https://ci.acme.example/hooks/github");
                writer.WriteString("content_type"u8, "json");
                writer.WriteEndObject();
                break;
            case "oauth_access.create" or "personal_access_token.access_granted":
                writer.WriteString("token_scopes"u8, _random.Next(4) == 0 ? "repo,workflow" : "read:org");
                writer.WriteNumber("token_id"u8, _random.Next(1_000_000));
                break;
            case "user.failed_login" or "user.login":
                writer.WriteString("user"u8, person?.Login ?? "unknown");
                break;
            case var _ when action.Contains("secret", StringComparison.Ordinal) || action.Contains("variable", StringComparison.Ordinal):
                writer.WriteString("name"u8, SecretNames[_random.Next(SecretNames.Length)]);
                if (action.StartsWith("environment.", StringComparison.Ordinal)) writer.WriteString("environment_name"u8, "production");
                break;
        }
    }

    private static string DocumentId(long index)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, index * 2_654_435_761L);
        BitConverter.TryWriteBytes(bytes[8..], index ^ 0x5DEECE66DL);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string Syllable(int i) => string.Concat("ka", "lo", "mi", "ra", "te", "su", "vo", "ne")[(i % 8)..((i % 8) + 3)];

    private sealed record Person(string Login, string Country, string Ip, int FirstHour, int Org);
}
