using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Email;

/// <summary>Email over SMTP (MailKit): one message per batch, plain text and HTML (every finding text HTML-encoded), with STARTTLS, TLS or neither.</summary>
internal sealed class EmailSink : IAlertTransport
{
    private readonly EmailSinkOptions _options;
    private readonly string _host;
    private readonly int _port;
    private readonly string? _username;
    private readonly string? _password;
    private readonly MailboxAddress _from;
    private readonly IReadOnlyList<MailboxAddress> _to;
    private readonly RouteContext _context;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2Collection? _trust;

    public EmailSink(EmailSinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(route);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _host = context.Resolve(options.Host, route.Name, "host");
        _port = options.Port ?? options.Security switch { "tls" => 465, "none" => 25, _ => 587 };
        _username = context.ResolveOptional(options.Username, route.Name, "username");
        _password = context.ResolveOptional(options.Password, route.Name, "password");
        _from = Address(context.Resolve(options.From, route.Name, "from"), route.Name, "from");
        _to = [.. options.To.Select(t => Address(context.Resolve(t, route.Name, "to"), route.Name, "to"))];
        _trust = CaFile.Load(options.CaFile, route.Name, context);
    }

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        using var message = Message(batch);
        using var client = new SmtpClient();
        if (_trust is { } trust) client.ServerCertificateValidationCallback = (_, certificate, chain, errors) => CaFile.Validates(trust, certificate, chain, errors);
        try
        {
            var security = _options.Security switch
            {
                "tls" => SecureSocketOptions.SslOnConnect,
                "none" => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(_host, _port, security, cancellationToken).ConfigureAwait(false);
            if (_username is not null) await client.AuthenticateAsync(_username, _password ?? "", cancellationToken).ConfigureAwait(false);
            var answer = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            return DeliveryResult.DeliveredWith($"SMTP: {answer}");
        }
        catch (SmtpCommandException ex)
        {
            var text = $"SMTP {(int)ex.StatusCode}: {ex.Message}";
            return (int)ex.StatusCode is >= 400 and < 500 ? DeliveryResult.Retry(text) : DeliveryResult.Rejected(text);
        }
        catch (AuthenticationException ex)
        {
            return DeliveryResult.Rejected($"SMTP login refused: {ex.Message}");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or System.Net.Sockets.SocketException or SslHandshakeException)
        {
            return DeliveryResult.Retry($"SMTP {_host}:{_port}: {ex.Message}");
        }
    }

    /// <summary>The message for a batch: subject, plain-text and HTML parts.</summary>
    public MimeMessage Message(IReadOnlyList<Alert> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var message = new MimeMessage();
        message.From.Add(_from);
        foreach (var to in _to) message.To.Add(to);
        var subject = batch.Count == 1 ? AlertText.Headline(batch[0].Finding) : AlertText.DigestHeading(batch);
        message.Subject = AlertText.Cut($"{_options.SubjectPrefix} {subject}".ReplaceLineEndings(" "), 200);
        message.Date = _context.Time.GetUtcNow();
        var body = new BodyBuilder { TextBody = Text(batch), HtmlBody = Html(batch) };
        message.Body = body.ToMessageBody();
        return message;
    }

    private string Text(IReadOnlyList<Alert> batch)
    {
        var text = new StringBuilder();
        foreach (var alert in batch.Take(AlertText.DigestItems * 5))
        {
            var f = alert.Finding;
            text.AppendLine(AlertText.Headline(f)).AppendLine().AppendLine(f.Explanation).AppendLine();
            text.AppendLine($"Rule:        {f.Rule} ({f.Category})");
            if (AlertText.Entity(f.Entity) is { } entity) text.AppendLine($"Entity:      {entity}");
            if (AlertText.Location(f.Location) is { } location) text.AppendLine($"Location:    {location}");
            if (alert.Incident is { } incident) text.AppendLine($"Incident:    {incident.Id}");
            text.AppendLine($"Fingerprint: {f.Fingerprint}");
            if (AlertText.DashboardLink(_context.PublicUrl, f) is { } link) text.AppendLine($"Dashboard:   {link}");
            text.AppendLine();
        }

        if (batch.Count > AlertText.DigestItems * 5) text.AppendLine($"and {batch.Count - AlertText.DigestItems * 5} more: 'pipewatch findings' lists every one");
        return text.ToString();
    }

    private string Html(IReadOnlyList<Alert> batch)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder("<!DOCTYPE html><html><body>");
        foreach (var alert in batch.Take(AlertText.DigestItems * 5))
        {
            var f = alert.Finding;
            html.Append("<h2>").Append(E(AlertText.Headline(f))).Append("</h2><p>").Append(E(f.Explanation)).Append("</p><table>");
            void Row(string name, string? value)
            {
                if (value is not null) html.Append("<tr><th align=\"left\">").Append(name).Append("</th><td>").Append(E(value)).Append("</td></tr>");
            }

            Row("Rule", $"{f.Rule} ({f.Category})");
            Row("Entity", AlertText.Entity(f.Entity));
            Row("Location", f.Location.ToString() is { Length: > 0 } l ? l : null);
            Row("Incident", alert.Incident?.Id);
            Row("Fingerprint", f.Fingerprint);
            html.Append("</table>");
            if (f.Location.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https") html.Append("<p><a href=\"").Append(E(url)).Append("\">Where it happened</a></p>");
            if (AlertText.DashboardLink(_context.PublicUrl, f) is { } link) html.Append("<p><a href=\"").Append(E(link)).Append("\">Open in PipeWatch</a></p>");
        }

        return html.Append("</body></html>").ToString();
    }

    private static MailboxAddress Address(string text, string route, string key) =>
        MailboxAddress.TryParse(text, out var address) ? address : throw new RouteException($"alerts route '{route}': {key} '{text}' is not an email address");
}
