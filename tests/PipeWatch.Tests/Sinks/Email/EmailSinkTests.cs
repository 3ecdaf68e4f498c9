using PipeWatch.Sinks;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Email;

/// <summary>The email sink against a real SMTP receiver (aiosmtpd) started here: one message per batch, plain text and HTML.</summary>
public sealed class EmailSinkTests
{
    [Fact]
    public async Task An_alert_arrives_as_one_message_with_a_plain_text_and_an_html_part()
    {
        using var smtp = new SmtpReceiver();
        var hostile = FindingJsonTests.Full with { Explanation = "took <script>alert(1)</script> & more" };

        var route = await RouteHarness.SendAsync($"""
            alerts:
              routes:
                - name: mail
                  sink: email
                  host: 127.0.0.1
                  port: {smtp.Port}
                  security: none
                  from: PipeWatch <pipewatch@example.org>
                  to: [secops@example.org, oncall@example.org]
            """, [new Alert(hostile, new AlertIncident("inc-9", true))]);

        var (message, _) = Assert.Single(await smtp.MessagesAsync(1));
        Assert.Equal(1, route.Batching.Delivered);
        Assert.Equal("[PipeWatch] [HIGH] Step 'Run Rubocop' of job 'linters' took 5× longer", message.Subject);
        Assert.Equal("pipewatch@example.org", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(["secops@example.org", "oncall@example.org"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("multipart/alternative", message.Body!.ContentType.MimeType);
        Assert.Contains("Rule:        pipeline.long-duration (pipeline.long-duration)", message.TextBody!, StringComparison.Ordinal);
        Assert.Contains("Incident:    inc-9", message.TextBody!, StringComparison.Ordinal);
        Assert.Contains("took <script>alert(1)</script> & more", message.TextBody!, StringComparison.Ordinal);
        Assert.Contains("took &lt;script&gt;alert(1)&lt;/script&gt; &amp; more", message.HtmlBody!, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", message.HtmlBody!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_alerts_of_one_batch_arrive_as_one_digest_message()
    {
        using var smtp = new SmtpReceiver();
        Alert[] alerts = [.. Enumerable.Range(0, 3).Select(i => new Alert(FindingJsonTests.Full with { Fingerprint = $"f{i}" }))];

        await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: mail\n      sink: email\n      host: 127.0.0.1\n      port: {smtp.Port}\n      security: none\n      from: pipewatch@example.org\n      to: secops@example.org\n", alerts);

        var (message, _) = Assert.Single(await smtp.MessagesAsync(1));
        Assert.Equal("[PipeWatch] PipeWatch: 3 alerts (highest HIGH)", message.Subject);
        Assert.Equal(3, message.TextBody!.Split("Fingerprint: ").Length - 1);
    }

    [Theory]
    [InlineData("starttls")]
    [InlineData("tls")]
    public async Task The_message_arrives_over_tls_verified_against_the_tests_ca(string security)
    {
        using var temp = new TempFolder();
        var certificates = new TestCertificates(temp);
        using var smtp = new SmtpReceiver(security, certificates);

        var route = await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: mail\n      sink: email\n      host: 127.0.0.1\n      port: {smtp.Port}\n      security: {security}\n      ca-file: {certificates.CaFile}\n      from: pipewatch@example.org\n      to: secops@example.org\n", [new Alert(FindingJsonTests.Full)]);

        // The receiver takes mail over TLS only (STARTTLS required before MAIL, or TLS from the first byte): its arrival proves the session.
        var (message, _) = Assert.Single(await smtp.MessagesAsync(1));
        Assert.Equal(1, route.Batching.Delivered);
        Assert.Equal("[PipeWatch] [HIGH] Step 'Run Rubocop' of job 'linters' took 5× longer", message.Subject);
        Assert.Equal("secops@example.org", Assert.Single(message.To.Mailboxes).Address);
    }

    [Theory]
    [InlineData("starttls")]
    [InlineData("tls")]
    public async Task A_route_trusting_another_ca_refuses_the_servers_certificate_and_sends_nothing(string security)
    {
        using var temp = new TempFolder();
        var certificates = new TestCertificates(temp);
        using var smtp = new SmtpReceiver(security, certificates);
        var problems = new PipeWatch.Diagnostics.ProblemLog();

        var route = await RouteHarness.SendAsync($"alerts:\n  routes:\n    - name: mail\n      sink: email\n      host: 127.0.0.1\n      port: {smtp.Port}\n      security: {security}\n      ca-file: {certificates.OtherCaFile}\n      max-attempts: 1\n      from: pipewatch@example.org\n      to: secops@example.org\n", [new Alert(FindingJsonTests.Full)], problems: problems);

        Assert.Equal((0, 1), (route.Batching.Delivered, route.Batching.Failed));
        var problem = Assert.Single(problems.Problems);
        Assert.Contains($"SMTP 127.0.0.1:{smtp.Port}:", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("certificate", problem.Reason, StringComparison.OrdinalIgnoreCase);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(Path.Combine(smtp.Maildir, "new")) && Directory.GetFiles(Path.Combine(smtp.Maildir, "new")).Length > 0, "a message arrived through a refused connection");
    }
}
