using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner;

/// <summary>ECS runner telemetry (Auditbeat / Elastic Agent shape), nested and dotted, read into telemetry events.</summary>
public sealed class EcsTelemetryFormatTests
{
    [Fact]
    public async Task A_nested_process_event_keeps_every_field_under_its_ecs_name()
    {
        using var temp = new TempFolder();
        var file = temp.File("auditbeat.json");
        File.WriteAllText(file, """
            {"@timestamp":"2026-11-20T10:04:12.345Z","event":{"category":["process"],"type":["start"],"action":"process_started","id":"abc-1","dataset":"process"},
             "process":{"pid":4242,"executable":"/usr/bin/curl","command_line":"curl -s https://example.net","args":["curl","-s","https://example.net"],"parent":{"pid":4100,"executable":"/usr/bin/bash"}},
             "user":{"name":"runner"},"host":{"os":{"type":"linux"},"name":"gh-runner-7"},"ci":{"repository":"acme/api","run_id":"99","job":"build"}}
            """);

        var e = Assert.Single(await EventFiles.ReadAsync(file));

        Assert.Equal(EventKind.Telemetry, e.Kind);
        Assert.Equal("ecs:abc-1", e.Id);
        Assert.Equal("process", e.Dataset);
        Assert.Equal("process_started", e.Action);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 4, 12, 345, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("runner", e.UserName);
        Assert.Equal(("acme/api", "99", "build"), (e.Ci.Repository, e.Ci.RunId, e.Ci.Job));
        Assert.Equal("process", e.Fields["event.category"]);
        Assert.Equal("/usr/bin/curl", e.Fields["process.executable"]);
        Assert.Equal("curl -s https://example.net", e.Fields["process.command_line"]);
        Assert.Equal("4242", e.Fields["process.pid"]);
        Assert.Equal("/usr/bin/bash", e.Fields["process.parent.executable"]);
        Assert.Equal("curl", e.Fields["process.args"]);
        Assert.Equal("linux", e.Fields["host.os.type"]);
    }

    [Fact]
    public async Task Dotted_keys_and_a_network_event_without_an_id_read_the_same_way()
    {
        using var temp = new TempFolder();
        var file = temp.File("net.jsonl");
        File.WriteAllText(file, """{"@timestamp":"2026-11-20T10:05:00Z","event.category":"network","destination.domain":"webhook.site","destination.port":443}""" + "\n");

        var e = Assert.Single(await EventFiles.ReadAsync(file));

        Assert.Equal("runner.network", e.Dataset);
        Assert.Equal("webhook.site", e.Fields["destination.domain"]);
        Assert.StartsWith("ecs:", e.Id, StringComparison.Ordinal);
        Assert.Equal(string.Empty, e.Ci.Repository);
    }

    [Fact]
    public async Task Other_event_categories_are_not_telemetry()
    {
        using var temp = new TempFolder();
        var file = temp.File("auth.json");
        File.WriteAllText(file, """{"@timestamp":"2026-11-20T10:05:00Z","event":{"category":["authentication"]},"user":{"name":"x"}}""");
        var problems = new PipeWatch.Diagnostics.ProblemLog();

        var events = new List<Event>();
        foreach (var source in PipeWatch.Sources.Files.InputFiles.Sources([file]))
        {
            await foreach (var e in source.ReadAsync(new PipeWatch.Sources.SourceContext(problems), TestContext.Current.CancellationToken)) events.Add(e);
        }

        Assert.Empty(events);
        Assert.Contains("not a supported payload", Assert.Single(problems.Problems).Reason, StringComparison.Ordinal);
    }
}
