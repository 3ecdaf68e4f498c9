using System.Net;
using System.Net.Sockets;
using System.Text;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Routing;

/// <summary>
/// Redaction holds in every alert sink: an ingest of CI logs with planted secrets, routed to every sink kind at once, and every
/// byte each service received (HTTP bodies and headers, syslog over TCP and UDP, the SMTP message, the OCSF file) searched for
/// the secrets and for any 10-character piece of them.
/// </summary>
public sealed class RouteRedactionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task No_sink_puts_a_planted_secret_on_the_wire()
    {
        await using var http = new LoopbackHttpServer(r => r.Path == "/_bulk" ? new HttpReply(200, """{"errors":false,"items":[]}""") : new HttpReply(200, "ok"));
        using var smtp = new SmtpReceiver();
        var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        var tcpBytes = Task.Run(async () =>
        {
            using var client = await tcp.AcceptTcpClientAsync();
            var bytes = new MemoryStream();
            await client.GetStream().CopyToAsync(bytes);
            return bytes.ToArray();
        }, TestContext.Current.CancellationToken);
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var datagrams = new List<byte[]>();
        using var udpDone = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var udpLoop = Task.Run(async () =>
        {
            try
            {
                while (true) datagrams.Add((await udp.ReceiveAsync(udpDone.Token)).Buffer);
            }
            catch (OperationCanceledException)
            {
                // The test has what came.
            }
        }, TestContext.Current.CancellationToken);
        File.WriteAllText(_temp.File("pipewatch.yml"), $"""
            alerts:
              routes:
                - {Route("webhook", $"url: {http.Url}/webhook\n    secret: hmac-key")}
                - {Route("slack", $"url: {http.Url}/slack")}
                - {Route("teams", $"url: {http.Url}/teams")}
                - {Route("pagerduty", $"url: {http.Url}/pagerduty\n    routing-key: R1")}
                - {Route("splunk-hec", $"url: {http.Url}/splunk\n    token: t1")}
                - {Route("elasticsearch", $"url: {http.Url}")}
                - {Route("ocsf", $"url: {http.Url}/ocsf")}
                - {Route("ocsf", $"file: {_temp.File("findings.ocsf.jsonl")}", "ocsf-file")}
                - {Route("syslog", $"host: 127.0.0.1\n    port: {((IPEndPoint)tcp.LocalEndpoint).Port}\n    protocol: tcp")}
                - {Route("syslog", $"host: 127.0.0.1\n    port: {udpPort}\n    protocol: udp\n    format: leef", "syslog-udp")}
                - {Route("email", $"host: 127.0.0.1\n    port: {smtp.Port}\n    security: none\n    from: pipewatch@example.org\n    to: secops@example.org")}
            """);

        var ingest = await new CliRunner(_temp.Path).RunAsync("ingest", JobLogFixtures.GitHubLog, JobLogFixtures.GitLabTrace, JobLogFixtures.JenkinsLog, "--format", "json");
        var mail = await smtp.MessagesAsync(1);
        var syslogTcp = await tcpBytes.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        await udpDone.CancelAsync();
        await udpLoop;
        tcp.Stop();

        Assert.Equal(1, ingest.ExitCode);
        Assert.Contains("6 new findings", ingest.Error, StringComparison.Ordinal);
        var wire = new Dictionary<string, byte[]>();
        foreach (var group in http.Requests.GroupBy(r => r.Path.Split('/')[1]))
        {
            wire[group.Key] = [.. group.SelectMany(r => Encoding.UTF8.GetBytes(string.Join("\n", r.Headers.Select(h => $"{h.Key}: {h.Value}")) + "\n").Concat(r.Body))];
        }

        wire["syslog-tcp"] = syslogTcp;
        wire["syslog-udp"] = [.. datagrams.SelectMany(d => d)];
        wire["email"] = [.. mail.SelectMany(m => m.Raw.Concat(Encoding.UTF8.GetBytes(m.Message.TextBody + m.Message.HtmlBody)))];
        wire["ocsf-file"] = File.ReadAllBytes(_temp.File("findings.ocsf.jsonl"));
        Assert.Equal(["_bulk", "email", "ocsf", "ocsf-file", "pagerduty", "slack", "splunk", "syslog-tcp", "syslog-udp", "teams", "webhook"], wire.Keys.Order(StringComparer.Ordinal));
        // The redacted evidence does reach the sinks that carry evidence (its first four characters, length and hash).
        Assert.Contains("ghs_…", Unescaped(Encoding.UTF8.GetString(wire["webhook"])), StringComparison.Ordinal);
        foreach (var (sink, bytes) in wire)
        {
            Assert.True(bytes.Length > 200, $"{sink} received only {bytes.Length} bytes");
            var text = Encoding.UTF8.GetString(bytes);
            foreach (var secret in Secrets())
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal) || Unescaped(text).Contains(secret, StringComparison.Ordinal),
                    $"{sink} carried a planted secret (or a 10-character piece of one)");
            }
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static string Route(string sink, string settings, string? name = null) =>
        $"name: {name ?? sink}\n      sink: {sink}\n      {settings.Replace("\n    ", "\n      ", StringComparison.Ordinal)}";

    // JSON writers escape some characters a secret may hold ('+' as \u002B): undone before searching.
    private static string Unescaped(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\\u([0-9A-Fa-f]{4})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

    private static IEnumerable<string> Secrets()
    {
        string[] plain = [JobLogFixtures.DumpedGitHubToken, JobLogFixtures.DumpedNpmToken, JobLogFixtures.DumpedAwsSecret, JobLogFixtures.GitLabToken, JobLogFixtures.JenkinsToken];
        foreach (var secret in plain)
        {
            yield return secret;
            yield return secret[..10];
            yield return secret[^10..];
        }
    }
}
