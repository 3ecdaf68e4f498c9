using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>The <c>serve</c> section of pipewatch.yml: what the watch mode follows and its limits. Secrets are better given in the environment.</summary>
public sealed record ServeOptions
{
    /// <summary>The largest request body accepted (GitHub sends at most 25 MB).</summary>
    public long MaxBodyBytes { get; init; } = 25L << 20;

    /// <summary>Payloads acknowledged but not yet processed, at most; past it a hook answers 429 with Retry-After.</summary>
    public int Backlog { get; init; } = 20_000;

    /// <summary>The GitHub REST API (GitHub Enterprise Server: <c>https://HOST/api/v3</c>).</summary>
    public string GitHubApiUrl { get; init; } = "https://api.github.com";

    /// <summary>The GitLab REST API.</summary>
    public string GitLabApiUrl { get; init; } = "https://gitlab.com/api/v4";

    /// <summary>Secrets GitHub webhooks may be signed with (several while one is rotated); <c>PIPEWATCH_GITHUB_WEBHOOK_SECRET</c> adds one.</summary>
    public IReadOnlyList<string> GitHubWebhookSecrets { get; init; } = [];

    /// <summary>The token GitLab sends in <c>X-Gitlab-Token</c>; <c>PIPEWATCH_GITLAB_WEBHOOK_TOKEN</c> overrides it.</summary>
    public string? GitLabWebhookToken { get; init; }

    /// <summary>The bearer token of <c>/hooks/generic</c>, <c>/hooks/jenkins</c> and <c>/ingest</c>; <c>PIPEWATCH_INGEST_TOKEN</c> overrides it.</summary>
    public string? IngestToken { get; init; }

    /// <summary>Repositories fetched into a local mirror and scanned as they are pushed to (or polled).</summary>
    public IReadOnlyList<FollowedRepository> Repositories { get; init; } = [];

    /// <summary>Audit logs polled through the GitHub or GitLab API (the <c>audit-logs</c> list).</summary>
    public IReadOnlyList<AuditLogPoll> AuditLogs { get; init; } = [];

    /// <summary>With <c>--queue</c>: how many partitions (JetStream subjects, one durable consumer each) repositories are hashed into.</summary>
    public int QueuePartitions { get; init; } = 16;

    /// <summary>With <c>--queue</c>: how long a message handed to a worker waits for its acknowledgement before another worker may take it (also a partition lease's life).</summary>
    public TimeSpan QueueAckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where people reach this server's dashboard (<c>https://pipewatch.example.com</c>): alerts link to <c>{public-url}/findings/{fingerprint}</c>; null: no links.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>Where OSV's per-ecosystem archives are downloaded from on a schedule (<c>{url}/{ecosystem}/all.zip</c>), re-matching the inventory after each; null: no scheduled update.</summary>
    public string? VulnDbUrl { get; init; }

    /// <summary>Time between scheduled advisory updates.</summary>
    public TimeSpan VulnDbInterval { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The OSV ecosystems a scheduled update fetches.</summary>
    public IReadOnlyList<string> VulnDbEcosystems { get; init; } = ["npm", "PyPI", "NuGet", "Maven", "Go", "crates.io", "RubyGems", "Packagist", "GitHub Actions"];

    /// <summary>With a PostgreSQL store: the local folder of serve's own files (its intake queue, repository mirrors); null: <c>pipewatch-serve</c> in the working directory. A SQLite store keeps them beside its file.</summary>
    public string? DataFolder { get; init; }

    /// <summary>CI servers and runner fleets read through their APIs into the inventory (the <c>ci-servers</c> list; <c>inventory poll</c> reads them once).</summary>
    public IReadOnlyList<CiServerPoll> CiServers { get; init; } = [];

    /// <summary>CI servers' own Prometheus endpoints scraped on an interval, each scrape a metrics event (the <c>ci-metrics</c> list).</summary>
    public IReadOnlyList<CiMetricsScrape> CiMetrics { get; init; } = [];
}

/// <summary>An audit log the watch mode polls: a GitHub organization's or enterprise's, or GitLab's instance, group or project audit events.</summary>
/// <param name="Platform"><c>github</c> or <c>gitlab</c>.</param>
/// <param name="Path">Below the API URL: <c>orgs/ORG/audit-log</c>, <c>enterprises/SLUG/audit-log</c>, <c>audit_events</c>, <c>groups/ID/audit_events</c>, <c>projects/ID/audit_events</c>.</param>
/// <param name="Phrase">GitHub's search phrase (<c>action:repo</c>), or null.</param>
/// <param name="Interval">Time between polls.</param>
/// <param name="PerPage">Entries a page (at most 100).</param>
/// <param name="Since">How far back the first poll reaches, before there is a cursor.</param>
/// <param name="TokenVariable">The environment variable holding the API token (default <c>PIPEWATCH_GITHUB_TOKEN</c> or <c>PIPEWATCH_GITLAB_TOKEN</c>).</param>
public sealed record AuditLogPoll(string Platform, string Path, string? Phrase, TimeSpan Interval, int PerPage, TimeSpan Since, string TokenVariable)
{
    /// <summary>The poller's name, its cursor's key: <c>github:orgs/acme/audit-log</c>.</summary>
    public string Name => $"{Platform}:{Path}";
}

/// <summary>A repository the watch mode follows: its name as webhooks give it, where to fetch it from, and how.</summary>
/// <param name="Name">As push webhooks name it: <c>owner/repo</c> (GitHub <c>full_name</c>, GitLab <c>path_with_namespace</c>).</param>
/// <param name="Url">A clone URL or a local path.</param>
/// <param name="CredentialsVariable">An environment variable holding a token for HTTPS fetches, or null.</param>
/// <param name="Poll">Fetch and scan at this interval as well, for repositories that send no webhooks; null: on pushes only.</param>
public sealed record FollowedRepository(string Name, string Url, string? CredentialsVariable, TimeSpan? Poll);

/// <summary>The keys of the <c>serve</c> section.</summary>
internal static class ServeSettings
{
    public static IReadOnlyList<Setting<ServeOptions>> All { get; } =
    [
        new("max-body-bytes", (reader, node, at, o) => reader.Int(node, at, 1024, int.MaxValue) is { } v ? o with { MaxBodyBytes = v } : o),
        Setting.Int<ServeOptions>("backlog", 1, 10_000_000, (o, v) => o with { Backlog = v }),
        new("github-api-url", (reader, node, at, o) => Url(reader, node, at) is { } v ? o with { GitHubApiUrl = v } : o),
        new("gitlab-api-url", (reader, node, at, o) => Url(reader, node, at) is { } v ? o with { GitLabApiUrl = v } : o),
        Setting.Strings<ServeOptions>("github-webhook-secrets", (o, v) => o with { GitHubWebhookSecrets = v }),
        new("gitlab-webhook-token", (reader, node, at, o) => reader.String(node, at) is { } v ? o with { GitLabWebhookToken = v } : o),
        new("ingest-token", (reader, node, at, o) => reader.String(node, at) is { } v ? o with { IngestToken = v } : o),
        new("public-url", (reader, node, at, o) => Url(reader, node, at) is { } v ? o with { PublicUrl = v } : o),
        new("vulndb-url", (reader, node, at, o) => Url(reader, node, at) is { } v ? o with { VulnDbUrl = v } : o),
        Setting.Duration<ServeOptions>("vulndb-interval", (o, v) => o with { VulnDbInterval = v < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : v }),
        Setting.Strings<ServeOptions>("vulndb-ecosystems", (o, v) => o with { VulnDbEcosystems = v }),
        Setting.Int<ServeOptions>("queue-partitions", 1, 1024, (o, v) => o with { QueuePartitions = v }),
        new("data-folder", (reader, node, at, o) => reader.String(node, at) is { Length: > 0 } v ? o with { DataFolder = v } : o),
        new("queue-ack-wait", (reader, node, at, o) => reader.Duration(node, at) is not { } v ? o : v >= TimeSpan.FromSeconds(1) ? o with { QueueAckWait = v } : Short(reader, node, at, o)) { Schema = Setting.DurationSchema },
        new("repositories", (reader, node, at, o) => o with { Repositories = reader.MappingList(node, at, "expected a list of repositories", (_, m, path) => Repository(reader, m, path)) }),
        new("audit-logs", (reader, node, at, o) => o with { AuditLogs = reader.MappingList(node, at, "expected a list of audit logs", (_, m, path) => AuditLog(reader, m, path)) }),
        new("ci-servers", (reader, node, at, o) => o with { CiServers = reader.MappingList(node, at, "expected a list of CI servers", (_, m, path) => CiServerSettings.Read(reader, m, path)) }),
        new("ci-metrics", (reader, node, at, o) => o with { CiMetrics = CiMetrics(reader, node, at) }),
    ];

    // Two entries of one name would feed one baseline from two servers: the second is refused.
    private static IReadOnlyList<CiMetricsScrape> CiMetrics(YamlConfigReader reader, YamlNode node, string at)
    {
        var all = reader.MappingList(node, at, "expected a list of CI metrics endpoints", (_, m, path) => CiMetricsSettings.Read(reader, m, path));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<CiMetricsScrape>();
        foreach (var scrape in all)
        {
            if (names.Add(scrape.Name)) kept.Add(scrape);
            else reader.Problem(node, $"{at}: two entries are named '{scrape.Name}' (give each a name: of its own)");
        }

        return kept;
    }

    private static ServeOptions Short(YamlConfigReader reader, YamlNode node, string at, ServeOptions options)
    {
        reader.Problem(node, $"{at}: expected a duration of at least 1s (30s, 2m)");
        return options;
    }

    private static AuditLogPoll? AuditLog(YamlConfigReader reader, YamlMappingNode mapping, string at)
    {
        string? platform = null, path = null, phrase = null, token = null;
        var interval = TimeSpan.FromMinutes(5);
        var since = TimeSpan.FromDays(1);
        var perPage = 100;
        var sources = 0;
        foreach (var (key, value) in reader.Entries(mapping))
        {
            var where = $"{at}.{key}";
            string? Name() => reader.String(value, where) is { } text && text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
                ? text
                : Invalid(value, where);
            string? Invalid(YamlNode node, string place)
            {
                reader.Problem(node, $"{place}: expected a name or id (letters, digits, '-', '_', '.')");
                return null;
            }

            switch (key)
            {
                case "github-organization": sources++; (platform, path) = ("github", Name() is { } org ? $"orgs/{org}/audit-log" : null); break;
                case "github-enterprise": sources++; (platform, path) = ("github", Name() is { } slug ? $"enterprises/{slug}/audit-log" : null); break;
                case "gitlab-instance": sources++; (platform, path) = ("gitlab", reader.Bool(value, where) == true ? "audit_events" : null); break;
                case "gitlab-group": sources++; (platform, path) = ("gitlab", Name() is { } group ? $"groups/{Uri.EscapeDataString(group)}/audit_events" : null); break;
                case "gitlab-project": sources++; (platform, path) = ("gitlab", Name() is { } project ? $"projects/{Uri.EscapeDataString(project)}/audit_events" : null); break;
                case "phrase": phrase = reader.String(value, where); break;
                case "interval": interval = reader.Duration(value, where) ?? interval; break;
                case "since": since = reader.Duration(value, where) ?? since; break;
                case "per-page": perPage = reader.Int(value, where, 1, 100) ?? perPage; break;
                case "token-env": token = reader.String(value, where); break;
                default: reader.Unknown(value, where, "github-organization, github-enterprise, gitlab-instance, gitlab-group, gitlab-project, phrase, interval, since, per-page, token-env"); break;
            }
        }

        if (sources != 1 || platform is null || path is null)
        {
            if (sources != 1) reader.Problem(mapping, $"{at}: give exactly one of github-organization, github-enterprise, gitlab-instance: true, gitlab-group, gitlab-project");
            return null;
        }

        if (phrase is not null && platform != "github") reader.Problem(mapping, $"{at}.phrase: only GitHub audit logs take a search phrase");
        return new AuditLogPoll(platform, path, phrase, interval, perPage, since, token ?? (platform == "github" ? "PIPEWATCH_GITHUB_TOKEN" : "PIPEWATCH_GITLAB_TOKEN"));
    }

    private static string? Url(YamlConfigReader reader, YamlNode node, string at)
    {
        var text = reader.String(node, at);
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return text.TrimEnd('/');
        reader.Problem(node, $"{at}: expected an http(s) URL, got '{text}'");
        return null;
    }

    private static FollowedRepository? Repository(YamlConfigReader reader, YamlMappingNode mapping, string at)
    {
        string? name = null, url = null, credentials = null;
        TimeSpan? poll = null;
        foreach (var (key, value) in reader.Entries(mapping))
        {
            var path = $"{at}.{key}";
            switch (key)
            {
                case "name": name = reader.String(value, path); break;
                case "url": url = reader.String(value, path); break;
                case "credentials-env": credentials = reader.String(value, path); break;
                case "poll": poll = reader.Duration(value, path); break;
                default: reader.Unknown(value, path, "name, url, credentials-env, poll"); break;
            }
        }

        if (url is null)
        {
            reader.Problem(mapping, $"{at}: 'url' is required (a clone URL or a local path)");
            return null;
        }

        // A local path resolves against the config file's folder.
        if (!url.Contains("://", StringComparison.Ordinal) && !url.Contains('@', StringComparison.Ordinal))
        {
            url = Path.GetFullPath(url, Path.GetDirectoryName(Path.GetFullPath(reader.File)) ?? Directory.GetCurrentDirectory());
        }

        name ??= NameOf(url);
        return new FollowedRepository(name, url, credentials, poll);
    }

    /// <summary>owner/repo from the last two parts of a URL or path, without <c>.git</c>.</summary>
    private static string NameOf(string url)
    {
        var parts = url.TrimEnd('/').Replace('\\', '/').Replace(':', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = parts[^1].EndsWith(".git", StringComparison.Ordinal) ? parts[^1][..^4] : parts[^1];
        return parts.Length >= 2 ? $"{parts[^2]}/{last}" : last;
    }
}
