using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Events;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Store.Sqlite;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>
/// GitHub audit-log events as the audit-log source normalizes them (action names, actors, countries, IPs and fields of
/// real events from the corpus' panther tests), and four weeks of normal activity of a small organization to learn from.
/// </summary>
internal static class AuditHistory
{
    public const string Org = "acme-inc";
    public const string Repo = "acme-inc/payments-api";

    /// <summary>Monday 7 September 2026, 00:00 UTC: the first day of the normal history.</summary>
    public static readonly DateTimeOffset Start = new(2026, 9, 7, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The Monday after the four weeks of history.</summary>
    public static readonly DateTimeOffset After = Start.AddDays(28);

    /// <summary>Alice works from the US (14:00–21:00 UTC), Bob from Germany (08:00–15:00 UTC); both push, clone and merge, and keep the secrets.</summary>
    public static readonly Person Alice = new("alice-sre", "US", "203.0.113.10", 14);
    public static readonly Person Bob = new("bob-dev", "DE", "198.51.100.7", 8);

    private static readonly string[] DailyActions = ["git.clone", "git.push", "pull_request.merge", "git.fetch"];

    /// <summary>Four weeks of weekdays: each person does four actions two hours apart in their working day; Alice rotates a secret on Tuesdays and Thursdays, Bob on Mondays.</summary>
    public static List<Event> Normal()
    {
        var events = new List<Event>();
        for (var day = 0; day < 28; day++)
        {
            var date = Start.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            foreach (var person in new[] { Bob, Alice })
            {
                for (var i = 0; i < DailyActions.Length; i++)
                {
                    events.Add(person.Does(DailyActions[i], date.AddHours(person.FirstHour + (2 * i)).AddMinutes(day % 7 * 3)));
                }
            }

            if (date.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Thursday)
            {
                events.Add(Alice.Does("repo.update_actions_secret", date.AddHours(16).AddMinutes(30), ("github.name", "NPM_TOKEN")));
            }

            if (date.DayOfWeek is DayOfWeek.Monday)
            {
                events.Add(Bob.Does("environment.create_actions_secret", date.AddHours(10).AddMinutes(15), ("github.name", "DEPLOY_KEY"), ("github.environment_name", "production")));
            }
        }

        return [.. events.OrderBy(e => e.Timestamp)];
    }

    /// <summary>An audit event as the GitHub audit-log source yields it.</summary>
    public static Event Audit(string action, string? actor, DateTimeOffset at, string? country = null, string? ip = null, string? target = null,
        string? repo = Repo, params (string Name, string Value)[] fields) => new()
    {
        Kind = EventKind.Audit,
        Id = $"github.audit:{action}:{actor}:{at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{target}",
        Timestamp = at,
        Dataset = "github.audit",
        Action = action,
        Outcome = action.EndsWith("failed_login", StringComparison.Ordinal) ? Outcome.Failure : Outcome.Success,
        Ci = CiContext.ForRepository(repo, "github"),
        Organization = Org,
        UserName = actor,
        TargetUser = target,
        Client = country is null && ip is null ? null : new Client(ip, country, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"),
        Fields = fields.ToDictionary(f => f.Name, f => f.Value),
        Origin = new Origin("audit-log.json"),
    };

    /// <summary>Runs the real engine over the events into a real SQLite store.</summary>
    public static async Task<IngestResult> RunAsync(string store, IEnumerable<Event> events, PipeWatchConfig? config = null)
    {
        var problems = new ProblemLog();
        var sink = new CollectingSink();
        using var opened = SqliteStore.Open(store);
        var engine = new PipelineBuilder(opened)
            .WithConfig(config ?? PipeWatchConfig.Default)
            .WithTime(new FakeTimeProvider(Ingest.Now))
            .WithProblems(problems)
            .AddSink(sink)
            .Build();
        var summary = await engine.RunAsync([new ListSource([.. events])], null, TestContext.Current.CancellationToken);
        return new IngestResult(summary, sink.Findings, problems.Problems);
    }

    /// <summary>A person of the organization: their login, country, usual IP and first working hour (UTC).</summary>
    internal sealed record Person(string Login, string Country, string Ip, int FirstHour)
    {
        public Event Does(string action, DateTimeOffset at, params (string Name, string Value)[] fields) =>
            Audit(action, Login, at, Country, Ip, fields: fields);
    }

    private sealed class ListSource(IReadOnlyList<Event> events) : ISource
    {
        public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return e;
            }

            await Task.CompletedTask;
        }
    }
}
