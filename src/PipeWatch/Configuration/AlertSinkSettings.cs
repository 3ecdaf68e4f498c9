using PipeWatch.Sinks.Elastic;
using PipeWatch.Sinks.Email;
using PipeWatch.Sinks.Ocsf;
using PipeWatch.Sinks.PagerDuty;
using PipeWatch.Sinks.Slack;
using PipeWatch.Sinks.Splunk;
using PipeWatch.Sinks.Syslog;
using PipeWatch.Sinks.Teams;
using PipeWatch.Sinks.Webhook;

namespace PipeWatch.Configuration;

/// <summary>The keys of each alert sink kind: how each is read, which are required, what else must hold.</summary>
internal static class AlertSinkSettings
{
    public static IReadOnlyList<Setting<ElasticsearchSinkOptions>> ElasticsearchSettings { get; } =
    [
        AlertSetting.Text<ElasticsearchSinkOptions>("url", (o, v) => o with { Url = v }),
        AlertSetting.Text<ElasticsearchSinkOptions>("index", (o, v) => o with { Index = v }),
        AlertSetting.Text<ElasticsearchSinkOptions>("api-key", (o, v) => o with { ApiKey = v }),
        AlertSetting.Text<ElasticsearchSinkOptions>("username", (o, v) => o with { Username = v }),
        AlertSetting.Text<ElasticsearchSinkOptions>("password", (o, v) => o with { Password = v }),
    ];

    public static IReadOnlyList<(string, Func<ElasticsearchSinkOptions, bool>)> ElasticsearchRequired { get; } = [("url", o => o.Url.Length == 0)];

    public static string? ElasticsearchValidate(ElasticsearchSinkOptions o) =>
        o.ApiKey is not null && o.Username is not null ? "give either api-key or username and password, not both"
        : (o.Username is null) != (o.Password is null) ? "username and password go together"
        : null;

    public static IReadOnlyList<Setting<EmailSinkOptions>> EmailSettings { get; } =
    [
        AlertSetting.Text<EmailSinkOptions>("host", (o, v) => o with { Host = v }),
        AlertSetting.Port<EmailSinkOptions>("port", (o, v) => o with { Port = v }),
        AlertSetting.Choice<EmailSinkOptions>("security", EmailSinkOptions.SecurityModes, (o, v) => o with { Security = v }),
        AlertSetting.Text<EmailSinkOptions>("username", (o, v) => o with { Username = v }),
        AlertSetting.Text<EmailSinkOptions>("password", (o, v) => o with { Password = v }),
        AlertSetting.Text<EmailSinkOptions>("from", (o, v) => o with { From = v }),
        Setting.Strings<EmailSinkOptions>("to", (o, v) => o with { To = v }),
        AlertSetting.Text<EmailSinkOptions>("subject-prefix", (o, v) => o with { SubjectPrefix = v }),
        AlertSetting.Text<EmailSinkOptions>("ca-file", (o, v) => o with { CaFile = v }),
    ];

    public static IReadOnlyList<(string, Func<EmailSinkOptions, bool>)> EmailRequired { get; } =
        [("host", o => o.Host.Length == 0), ("from", o => o.From.Length == 0), ("to", o => o.To.Count == 0)];

    public static string? EmailValidate(EmailSinkOptions o) => (o.Username is null) != (o.Password is null) ? "username and password go together" : null;

    public static IReadOnlyList<Setting<OcsfSinkOptions>> OcsfSettings { get; } =
    [
        AlertSetting.Text<OcsfSinkOptions>("file", (o, v) => o with { File = v }),
        AlertSetting.Text<OcsfSinkOptions>("url", (o, v) => o with { Url = v }),
        AlertSetting.Map<OcsfSinkOptions>("headers", (o, v) => o with { Headers = v }),
    ];

    public static string? OcsfValidate(OcsfSinkOptions o) => (o.File is null) == (o.Url is null) ? "sink 'ocsf' needs either 'file' or 'url'" : null;

    public static IReadOnlyList<Setting<PagerDutySinkOptions>> PagerDutySettings { get; } =
    [
        AlertSetting.Text<PagerDutySinkOptions>("routing-key", (o, v) => o with { RoutingKey = v }),
        AlertSetting.Text<PagerDutySinkOptions>("url", (o, v) => o with { Url = v }),
    ];

    public static IReadOnlyList<(string, Func<PagerDutySinkOptions, bool>)> PagerDutyRequired { get; } = [("routing-key", o => o.RoutingKey.Length == 0)];

    public static IReadOnlyList<Setting<SlackSinkOptions>> SlackSettings { get; } =
    [
        AlertSetting.Text<SlackSinkOptions>("url", (o, v) => o with { Url = v }),
    ];

    public static IReadOnlyList<(string, Func<SlackSinkOptions, bool>)> SlackRequired { get; } = [("url", o => o.Url.Length == 0)];

    public static IReadOnlyList<Setting<SplunkHecSinkOptions>> SplunkHecSettings { get; } =
    [
        AlertSetting.Text<SplunkHecSinkOptions>("url", (o, v) => o with { Url = v }),
        AlertSetting.Text<SplunkHecSinkOptions>("token", (o, v) => o with { Token = v }),
        AlertSetting.Text<SplunkHecSinkOptions>("index", (o, v) => o with { Index = v }),
        AlertSetting.Text<SplunkHecSinkOptions>("sourcetype", (o, v) => o with { Sourcetype = v }),
        AlertSetting.Text<SplunkHecSinkOptions>("source", (o, v) => o with { Source = v }),
        AlertSetting.Text<SplunkHecSinkOptions>("host", (o, v) => o with { Host = v }),
        AlertSetting.Text<SplunkHecSinkOptions>("channel", (o, v) => o with { Channel = v }),
    ];

    public static IReadOnlyList<(string, Func<SplunkHecSinkOptions, bool>)> SplunkHecRequired { get; } =
        [("url", o => o.Url.Length == 0), ("token", o => o.Token.Length == 0)];

    public static string? SplunkHecValidate(SplunkHecSinkOptions o) =>
        o.Channel is { } channel && !channel.Contains("${", StringComparison.Ordinal) && !Guid.TryParse(channel, out _) ? "channel must be a GUID" : null;

    public static IReadOnlyList<Setting<SyslogSinkOptions>> SyslogSettings { get; } =
    [
        AlertSetting.Text<SyslogSinkOptions>("host", (o, v) => o with { Host = v }),
        AlertSetting.Port<SyslogSinkOptions>("port", (o, v) => o with { Port = v }),
        AlertSetting.Choice<SyslogSinkOptions>("protocol", SyslogSinkOptions.Protocols, (o, v) => o with { Protocol = v }),
        AlertSetting.Choice<SyslogSinkOptions>("format", SyslogSinkOptions.Formats, (o, v) => o with { Format = v }),
        AlertSetting.Choice<SyslogSinkOptions>("facility", [.. SyslogSinkOptions.Facilities.Keys], (o, v) => o with { Facility = v }),
        AlertSetting.Text<SyslogSinkOptions>("hostname", (o, v) => o with { Hostname = v }),
        AlertSetting.Text<SyslogSinkOptions>("ca-file", (o, v) => o with { CaFile = v }),
    ];

    public static IReadOnlyList<(string, Func<SyslogSinkOptions, bool>)> SyslogRequired { get; } = [("host", o => o.Host.Length == 0)];

    public static IReadOnlyList<Setting<TeamsSinkOptions>> TeamsSettings { get; } =
    [
        AlertSetting.Text<TeamsSinkOptions>("url", (o, v) => o with { Url = v }),
    ];

    public static IReadOnlyList<(string, Func<TeamsSinkOptions, bool>)> TeamsRequired { get; } = [("url", o => o.Url.Length == 0)];

    public static IReadOnlyList<Setting<WebhookSinkOptions>> WebhookSettings { get; } =
    [
        AlertSetting.Text<WebhookSinkOptions>("url", (o, v) => o with { Url = v }),
        AlertSetting.Text<WebhookSinkOptions>("secret", (o, v) => o with { Secret = v }),
        AlertSetting.Map<WebhookSinkOptions>("headers", (o, v) => o with { Headers = v }),
    ];

    public static IReadOnlyList<(string, Func<WebhookSinkOptions, bool>)> WebhookRequired { get; } = [("url", o => o.Url.Length == 0)];
}
