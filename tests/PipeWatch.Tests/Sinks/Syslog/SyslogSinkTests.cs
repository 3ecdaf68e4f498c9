using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Syslog;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Syslog;

/// <summary>The syslog sink against a real rsyslogd started here: RFC 5424 over UDP and TCP (octet counting), CEF and LEEF payloads, parsed by rsyslog.</summary>
public sealed class SyslogSinkTests
{
    private const string Cef =
        "CEF:0|PipeWatch|PipeWatch|1.2.3|pipeline.long-duration|Step 'Run Rubocop' of job 'linters' took 5× longer|8|" +
        "rt=1791106215123 cat=pipeline.long-duration msg=Step 'Run Rubocop' of job 'linters' took 3m 20s against a median of 40s over 30 runs. " +
        "externalId=abc3cda40cc41f08c47abe68e16d5be6 suser=octocat request=https://github.com/octo-org/octo-repo/actions/runs/5000031 " +
        "fname=runs/run-031-a-job.json cs1=octo-org/octo-repo cs1Label=repository cs2=CI › linters › Run Rubocop cs2Label=pipeline " +
        "cs3=production cs3Label=environment cs4=T1195.002,T1496 cs4Label=techniques cs5=inc-7 cs5Label=incident " +
        "cs6=3484a3fb816e0859fd6e1cea078d76385ff50625 cs6Label=commit";

    private static readonly Alert Full = new(FindingJsonTests.Full, new AlertIncident("inc-7", true));

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task Rsyslog_receives_rfc5424_with_the_cef_payload(string protocol)
    {
        using var rsyslog = new RsyslogDaemon();
        var port = protocol == "udp" ? rsyslog.UdpPort : rsyslog.TcpPort;

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: siem\n      sink: syslog\n      host: 127.0.0.1\n      port: {port}\n      protocol: {protocol}\n      hostname: ci-monitor-1\n", [Full, Full with { Finding = FindingJsonTests.Full with { Severity = Severity.Low } }]);

        var lines = await rsyslog.LinesAsync(2);
        // PRI = local0 (16) × 8 + err (3) for high; + notice (5) for low.
        Assert.Equal($"131|1|2026-11-27T12:00:00+00:00|ci-monitor-1|pipewatch|-|finding|{Cef}", Normalize(lines[0]));
        Assert.StartsWith("133|1|", lines[1], StringComparison.Ordinal);
        Assert.Contains("|CEF:0|PipeWatch|PipeWatch|1.2.3|pipeline.long-duration|Step 'Run Rubocop' of job 'linters' took 5× longer|3|", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rsyslog_receives_leef_2_with_tab_separated_attributes_over_tcp()
    {
        using var rsyslog = new RsyslogDaemon();

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: qradar\n      sink: syslog\n      host: 127.0.0.1\n      port: {rsyslog.TcpPort}\n      protocol: tcp\n      format: leef\n      facility: local4\n", [Full]);

        var line = Assert.Single(await rsyslog.LinesAsync(1));
        var msg = line.Split('|', 8)[7];
        // rsyslog writes a tab inside a message as "#011" unless told otherwise: its control-character escape.
        var attributes = msg["LEEF:2.0|PipeWatch|PipeWatch|1.2.3|pipeline.long-duration|x09|".Length..].Split("#011");
        Assert.StartsWith("LEEF:2.0|PipeWatch|PipeWatch|1.2.3|pipeline.long-duration|x09|", msg, StringComparison.Ordinal);
        Assert.StartsWith("163|", line, StringComparison.Ordinal);
        Assert.Equal(
            ["devTime=2026-10-04T09:30:15.123Z", "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "cat=pipeline.long-duration", "sev=8"],
            attributes.Take(4));
        Assert.Contains("usrName=octocat", attributes);
        Assert.Contains("resource=octo-org/octo-repo", attributes);
        Assert.Contains("incident=inc-7", attributes);
        Assert.Contains("fingerprint=abc3cda40cc41f08c47abe68e16d5be6", attributes);
    }

    [Fact]
    public async Task Rsyslog_receives_rfc5424_over_tls_from_a_route_that_verifies_its_certificate_against_the_tests_ca()
    {
        using var temp = new TempFolder();
        var certificates = new TestCertificates(temp);
        using var rsyslog = new RsyslogDaemon(tls: certificates);

        var route = await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: siem\n      sink: syslog\n      host: 127.0.0.1\n      port: {rsyslog.TcpPort}\n      protocol: tls\n      ca-file: {certificates.CaFile}\n      hostname: ci-monitor-1\n", [Full, Full with { Finding = FindingJsonTests.Full with { Severity = Severity.Low } }]);

        var lines = await rsyslog.LinesAsync(2);
        Assert.Equal(2, route.Batching.Delivered);
        Assert.Equal($"131|1|2026-11-27T12:00:00+00:00|ci-monitor-1|pipewatch|-|finding|{Cef}", Normalize(lines[0]));
        Assert.StartsWith("133|1|", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tls_route_trusting_another_ca_refuses_rsyslogs_certificate_and_sends_it_nothing()
    {
        using var temp = new TempFolder();
        var certificates = new TestCertificates(temp);
        using var rsyslog = new RsyslogDaemon(tls: certificates);
        var problems = new ProblemLog();

        var refused = await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: siem\n      sink: syslog\n      host: 127.0.0.1\n      port: {rsyslog.TcpPort}\n      protocol: tls\n      ca-file: {certificates.OtherCaFile}\n      max-attempts: 1\n", [Full], problems: problems);
        // The same daemon takes a message from a route that trusts the right CA: it was up and listening all along.
        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: siem\n      sink: syslog\n      host: 127.0.0.1\n      port: {rsyslog.TcpPort}\n      protocol: tls\n      ca-file: {certificates.CaFile}\n      hostname: trusted\n", [Full]);

        Assert.Equal((0, 1), (refused.Batching.Delivered, refused.Batching.Failed));
        var problem = Assert.Single(problems.Problems);
        Assert.Contains("syslog tls 127.0.0.1:", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("certificate", problem.Reason, StringComparison.OrdinalIgnoreCase);
        var line = Assert.Single(await rsyslog.LinesAsync(1));
        Assert.StartsWith("131|1|2026-11-27T12:00:00", line, StringComparison.Ordinal);
        Assert.Contains("|trusted|pipewatch|", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_sends_octet_counted_frames_over_a_connection_verified_against_the_given_ca()
    {
        using var temp = new TempFolder();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(temp.File("ca.pem"), certificate.ExportCertificatePem(), TestContext.Current.CancellationToken);
        using var serverCertificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var received = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(client.GetStream());
            await ssl.AuthenticateAsServerAsync(serverCertificate);
            var bytes = new MemoryStream();
            var buffer = new byte[8192];
            int n;
            while ((n = await ssl.ReadAsync(buffer)) > 0) bytes.Write(buffer, 0, n);
            return bytes.ToArray();
        });

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: siem\n      sink: syslog\n      host: 127.0.0.1\n      port: {((IPEndPoint)listener.LocalEndpoint).Port}\n      protocol: tls\n      ca-file: {temp.File("ca.pem")}\n      hostname: h\n", [Full, Full]);
        // The sink keeps its connection for the next batch; ending the route's transport closes it.
        var text = Encoding.UTF8.GetString(await received.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        listener.Stop();

        var frames = Frames(text);
        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.StartsWith("<131>1 2026-11-27T12:00:00.000Z h pipewatch - finding - CEF:0|PipeWatch|", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Cef_escapes_pipes_in_the_header_and_equals_backslashes_and_line_breaks_in_extension_values()
    {
        var finding = FindingJsonTests.Full with
        {
            Title = @"a|b\c",
            Explanation = "x=1\ny\\z\r\nw",
            Entity = new Entity(),
            Location = new Location(),
            Techniques = [],
        };

        var line = CefFormat.Line(new Alert(finding), "1|0");

        Assert.Equal(@"CEF:0|PipeWatch|PipeWatch|1\|0|pipeline.long-duration|a\|b\\c|8|rt=1791106215123 cat=pipeline.long-duration msg=x\=1\ny\\z\nw externalId=abc3cda40cc41f08c47abe68e16d5be6", line);
    }

    // rsyslog's rfc3339 rendering of the timestamp drops the milliseconds when they are zero; the finding's are not.
    private static string Normalize(string line) => line.Replace("2026-11-27T12:00:00.000+00:00", "2026-11-27T12:00:00+00:00", StringComparison.Ordinal)
        .Replace("2026-11-27T12:00:00.000Z", "2026-11-27T12:00:00+00:00", StringComparison.Ordinal);

    // RFC 6587 octet counting: "LEN SP MSG", repeated.
    private static List<string> Frames(string text)
    {
        var frames = new List<string>();
        var bytes = Encoding.UTF8.GetBytes(text);
        var at = 0;
        while (at < bytes.Length)
        {
            var space = Array.IndexOf(bytes, (byte)' ', at);
            var length = int.Parse(Encoding.ASCII.GetString(bytes, at, space - at), System.Globalization.CultureInfo.InvariantCulture);
            frames.Add(Encoding.UTF8.GetString(bytes, space + 1, length));
            at = space + 1 + length;
        }

        return frames;
    }
}
