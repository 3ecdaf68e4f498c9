using System.Text;
using System.Text.Json;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Webhook;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Routing;

/// <summary>
/// Each HTTP sink against a loopback listener standing in for its service: the exact request its documentation asks for
/// (method, path, headers, body shape), and the answer the service documents for success.
/// </summary>
public sealed class AlertSinkTests
{
    private static readonly Alert Full = new(FindingJsonTests.Full, new AlertIncident("inc-0001", IsNew: true));

    [Fact]
    public async Task The_webhook_posts_the_versioned_json_body_signed_with_hmac_sha256_and_its_custom_headers()
    {
        await using var server = new LoopbackHttpServer();
        var env = new Dictionary<string, string> { ["HOOK_SECRET"] = "s3cr3t-for-hmac", ["HOOK_TOKEN"] = "t0ken" };

        var route = await RouteHarness.SendAsync($$"""
            alerts:
              routes:
                - name: soc
                  sink: webhook
                  url: {{server.Url}}/pipewatch
                  secret: ${env:HOOK_SECRET}
                  headers:
                    Authorization: Bearer ${env:HOOK_TOKEN}
            """, [Full], env);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/pipewatch"), (request.Method, request.Path));
        Assert.Equal("application/json; charset=utf-8", request.Headers["Content-Type"]);
        Assert.Equal("Bearer t0ken", request.Headers["Authorization"]);
        Assert.Equal("alert", request.Headers["X-PipeWatch-Event"]);
        Assert.Equal("PipeWatch/1.2.3", request.Headers["User-Agent"]);
        var expected = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("s3cr3t-for-hmac"u8, request.Body));
        Assert.Equal(expected, request.Headers[WebhookSink.SignatureHeader]);
        using var json = request.Json();
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("pipewatch", root.GetProperty("source").GetString());
        Assert.Equal("soc", root.GetProperty("route").GetString());
        var alert = Assert.Single(root.GetProperty("alerts").EnumerateArray());
        var deliveryId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("soc\n" + FindingJsonTests.Full.Fingerprint)))[..32];
        Assert.Equal(deliveryId, alert.GetProperty("delivery_id").GetString());
        Assert.Equal(deliveryId, request.Headers[WebhookSink.DeliveryHeader]);
        Assert.Equal("inc-0001", alert.GetProperty("incident").GetProperty("id").GetString());
        Assert.True(alert.GetProperty("incident").GetProperty("is_new").GetBoolean());
        var finding = FindingJson.Read(alert.GetProperty("finding"));
        Assert.Equal(FindingJsonTests.Full, finding with { Evidence = FindingJsonTests.Full.Evidence, Techniques = FindingJsonTests.Full.Techniques });
        Assert.Equal(FindingJsonTests.Full.Evidence, finding.Evidence);
        Assert.Equal(1, route.Batching.Delivered);
    }

    [Fact]
    public async Task Slack_gets_one_block_kit_message_with_severity_title_explanation_entity_location_and_a_dashboard_link()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(200, "ok", ContentType: "text/html"));
        var env = new Dictionary<string, string> { ["SLACK_WEBHOOK_URL"] = $"{server.Url}/services/T000/B000/XXXXXXXX" };

        await RouteHarness.SendAsync("""
            alerts:
              routes:
                - name: chat
                  sink: slack
                  url: ${env:SLACK_WEBHOOK_URL}
            """, [Full], env, publicUrl: "https://pipewatch.example.org/");

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/services/T000/B000/XXXXXXXX"), (request.Method, request.Path));
        Assert.Equal("application/json; charset=utf-8", request.Headers["Content-Type"]);
        using var json = request.Json();
        var root = json.RootElement;
        Assert.Equal("[HIGH] Step 'Run Rubocop' of job 'linters' took 5× longer", root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["header", "section", "section", "context", "actions"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("plain_text", blocks[0].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal("HIGH: Step 'Run Rubocop' of job 'linters' took 5× longer", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal(FindingJsonTests.Full.Explanation, blocks[1].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal(
            [
                "*Severity*\nHIGH",
                "*Rule*\n`pipeline.long-duration`",
                "*Entity*\nocto-org/octo-repo › CI › linters › Run Rubocop, actor octocat, environment production",
                "*Location*\nrun 5000031 runs/run-031-a-job.json:12 3484a3fb816e https://github.com/octo-org/octo-repo/actions/runs/5000031",
            ],
            blocks[2].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()));
        var button = Assert.Single(blocks[4].GetProperty("elements").EnumerateArray());
        Assert.Equal("https://pipewatch.example.org/findings/abc3cda40cc41f08c47abe68e16d5be6", button.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Slack_text_from_a_finding_cannot_mention_the_channel_or_forge_a_link()
    {
        await using var server = new LoopbackHttpServer();
        var hostile = Full with { Finding = FindingJsonTests.Full with { Title = "<!channel> see <https://evil.example|docs> & more" } };

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: chat\n      sink: slack\n      url: {server.Url}/hook\n", [hostile]);

        var text = Assert.Single(server.Requests).Text;
        Assert.DoesNotContain("<!channel>", text, StringComparison.Ordinal);
        Assert.Contains("&lt;!channel&gt; see &lt;https://evil.example|docs&gt; &amp; more", JsonDocument.Parse(text).RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_gets_an_adaptive_card_in_the_message_envelope_of_a_workflows_webhook()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(202));

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: teams\n      sink: teams\n      url: {server.Url}/workflows/abc/triggers/manual/paths/invoke?sig=x\n", [Full]);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/workflows/abc/triggers/manual/paths/invoke?sig=x"), (request.Method, request.Path));
        using var json = request.Json();
        Assert.Equal("message", json.RootElement.GetProperty("type").GetString());
        var attachment = Assert.Single(json.RootElement.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.4", card.GetProperty("version").GetString());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card.GetProperty("$schema").GetString());
        var body = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal(["TextBlock", "TextBlock", "FactSet"], body.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("[HIGH] Step 'Run Rubocop' of job 'linters' took 5× longer", body[0].GetProperty("text").GetString());
        Assert.Equal("Attention", body[0].GetProperty("color").GetString());
        var facts = body[2].GetProperty("facts").EnumerateArray().ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("pipeline.long-duration", facts["Rule"]);
        Assert.Equal("inc-0001", facts["Incident"]);
    }

    [Fact]
    public async Task PagerDuty_triggers_with_the_fingerprint_as_dedup_key_and_resolve_sends_the_same_key()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(202, """{"status":"success","message":"Event processed","dedup_key":"x"}"""));
        var env = new Dictionary<string, string> { ["PD_ROUTING_KEY"] = "R0123456789ABCDEF0123456789ABCDE" };
        var route = Assert.Single(RouteHarness.Router($$"""
            alerts:
              routes:
                - name: oncall
                  sink: pagerduty
                  routing-key: ${env:PD_ROUTING_KEY}
                  url: {{server.Url}}/v2/enqueue
            """, environment: env).Routes);

        await route.EmitAsync([Full], TestContext.Current.CancellationToken);
        await route.CompleteAsync(TestContext.Current.CancellationToken);
        var resolved = await route.ResolveAsync(Full, TestContext.Current.CancellationToken);

        Assert.Equal(PipeWatch.Sinks.Batching.DeliveryOutcome.Delivered, resolved?.Outcome);
        var (trigger, resolve) = (server.Requests[0], server.Requests[1]);
        Assert.All(server.Requests, r => Assert.Equal(("POST", "/v2/enqueue", "application/json"), (r.Method, r.Path, r.Headers["Content-Type"])));
        using var t = trigger.Json();
        Assert.Equal("R0123456789ABCDEF0123456789ABCDE", t.RootElement.GetProperty("routing_key").GetString());
        Assert.Equal("trigger", t.RootElement.GetProperty("event_action").GetString());
        Assert.Equal("abc3cda40cc41f08c47abe68e16d5be6", t.RootElement.GetProperty("dedup_key").GetString());
        var payload = t.RootElement.GetProperty("payload");
        Assert.Equal("[HIGH] Step 'Run Rubocop' of job 'linters' took 5× longer", payload.GetProperty("summary").GetString());
        Assert.Equal("octo-org/octo-repo", payload.GetProperty("source").GetString());
        Assert.Equal("error", payload.GetProperty("severity").GetString());
        Assert.Equal("2026-10-04T09:30:15.1230000Z", payload.GetProperty("timestamp").GetString());
        Assert.Equal("CI", payload.GetProperty("component").GetString());
        Assert.Equal("pipeline.long-duration", payload.GetProperty("custom_details").GetProperty("rule").GetString());
        using var r = resolve.Json();
        Assert.Equal(["routing_key", "event_action", "dedup_key"], r.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("resolve", r.RootElement.GetProperty("event_action").GetString());
        Assert.Equal("abc3cda40cc41f08c47abe68e16d5be6", r.RootElement.GetProperty("dedup_key").GetString());
    }

    [Fact]
    public async Task PagerDuty_on_a_route_grouped_by_incident_keys_every_finding_of_the_incident_to_one_page()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(202, """{"status":"success"}"""));
        var second = new Alert(FindingJsonTests.Full with { Fingerprint = "ffff" }, new AlertIncident("inc-0001", IsNew: false));

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: oncall\n      sink: pagerduty\n      routing-key: R1\n      url: {server.Url}/v2/enqueue\n      group: incident\n", [Full, second]);

        Assert.Equal(["inc-0001", "inc-0001"], server.Requests.Select(r => r.Json().RootElement.GetProperty("dedup_key").GetString()));
    }

    [Fact]
    public async Task Splunk_hec_gets_batched_events_with_the_splunk_token_index_and_sourcetype()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(200, """{"text":"Success","code":0}"""));
        var env = new Dictionary<string, string> { ["HEC_TOKEN"] = "12345678-1234-1234-1234-1234567890AB" };
        var other = new Alert(FindingJsonTests.Full with { Fingerprint = "f2", Severity = Severity.Low });

        await RouteHarness.SendAsync($$"""
            alerts:
              routes:
                - name: splunk
                  sink: splunk-hec
                  url: {{server.Url}}
                  token: ${env:HEC_TOKEN}
                  index: security
                  sourcetype: pipewatch:alert
                  channel: 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba
            """, [Full, other], env);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/services/collector/event"), (request.Method, request.Path));
        Assert.Equal("Splunk 12345678-1234-1234-1234-1234567890AB", request.Headers["Authorization"]);
        Assert.Equal("0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba", request.Headers["X-Splunk-Request-Channel"]);
        var events = request.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(1791106215.123m, events[0].GetProperty("time").GetDecimal());
        Assert.All(events, e => Assert.Equal(("security", "pipewatch:alert", "pipewatch"), (e.GetProperty("index").GetString(), e.GetProperty("sourcetype").GetString(), e.GetProperty("source").GetString())));
        Assert.Equal(["abc3cda40cc41f08c47abe68e16d5be6", "f2"], events.Select(e => e.GetProperty("event").GetProperty("finding").GetProperty("fingerprint").GetString()));
    }

    [Fact]
    public async Task Elasticsearch_gets_bulk_create_pairs_of_ecs_documents_with_an_api_key()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(200, """{"took":3,"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]}"""));
        var env = new Dictionary<string, string> { ["ES_API_KEY"] = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==" };
        var other = new Alert(FindingJsonTests.Full with { Fingerprint = "f2" });

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: elastic\n      sink: elasticsearch\n      url: {server.Url}/\n      api-key: ${{env:ES_API_KEY}}\n", [Full, other], env);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/_bulk", "application/x-ndjson"), (request.Method, request.Path, request.Headers["Content-Type"]));
        Assert.Equal("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", request.Headers["Authorization"]);
        Assert.EndsWith("\n", request.Text, StringComparison.Ordinal);
        var lines = request.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal("""{"create":{"_index":"logs-pipewatch.alerts-default","_id":"abc3cda40cc41f08c47abe68e16d5be6"}}""", lines[0].GetRawText());
        Assert.Equal("alert", lines[1].GetProperty("event").GetProperty("kind").GetString());
        Assert.Equal("2026-10-04T09:30:15.123Z", lines[1].GetProperty("@timestamp").GetString());
        Assert.Equal("f2", lines[2].GetProperty("create").GetProperty("_id").GetString());
    }

    [Fact]
    public async Task An_elasticsearch_bulk_answer_with_a_rejected_item_is_retried_and_a_conflict_counts_as_delivered()
    {
        var answers = new Queue<string>([
            """{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}""",
            """{"errors":true,"items":[{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},{"create":{"status":201}}]}""",
        ]);
        await using var server = new LoopbackHttpServer(_ => new HttpReply(200, answers.Dequeue()));

        var route = await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: elastic\n      sink: elasticsearch\n      url: {server.Url}\n", [Full, new Alert(FindingJsonTests.Full with { Fingerprint = "f2" })]);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal((2, 0), (route.Batching.Delivered, route.Batching.Failed));
    }

    [Fact]
    public async Task Ocsf_goes_to_an_intake_as_a_json_array_of_detection_findings_and_to_a_file_as_json_lines()
    {
        await using var server = new LoopbackHttpServer();
        using var temp = new TempFolder();

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: lake\n      sink: ocsf\n      url: {server.Url}/ocsf\n      headers:\n        x-api-key: k1\n", [Full]);
        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: file\n      sink: ocsf\n      file: {temp.File("findings.ocsf.jsonl")}\n", [Full, Full]);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/ocsf", "k1"), (request.Method, request.Path, request.Headers["x-api-key"]));
        var finding = Assert.Single(request.Json().RootElement.EnumerateArray());
        Assert.Equal((2004, 200401), (finding.GetProperty("class_uid").GetInt32(), finding.GetProperty("type_uid").GetInt32()));
        var lines = File.ReadAllLines(temp.File("findings.ocsf.jsonl"));
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal(2004, JsonDocument.Parse(l).RootElement.GetProperty("class_uid").GetInt32()));
    }

    [Fact]
    public async Task A_service_that_answers_normally_raises_no_problem()
    {
        await using var server = new LoopbackHttpServer();
        var problems = new ProblemLog();

        var route = await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {server.Url}/\n", [Full], problems: problems);

        Assert.Empty(problems.Problems);
        Assert.Equal((1, 0, 0), (route.Batching.Delivered, route.Batching.Failed, route.Batching.Dropped));
    }

    internal static string Body(RecordedRequest request) => Encoding.UTF8.GetString(request.Body);
}
