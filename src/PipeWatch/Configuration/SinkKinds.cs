using PipeWatch.Sinks.Batching;
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

/// <summary>The one list of alert sink kinds a route can name: one registration each.</summary>
internal static class SinkKinds
{
    // People read chat, pages and mail: a burst within two seconds becomes one digest message rather than many.
    private static readonly BatchingSinkOptions Chat = new() { MaxBatchSize = 20, FlushInterval = TimeSpan.FromSeconds(2) };
    private static readonly BatchingSinkOptions Machine = new() { MaxBatchSize = 500, FlushInterval = TimeSpan.FromSeconds(1) };

    public static IReadOnlyList<SinkKind> All { get; } =
    [
        new SinkKind<WebhookSinkOptions>("webhook", AlertSinkSettings.WebhookSettings, AlertSinkSettings.WebhookRequired, (o, r, c) => new WebhookSink(o, r, c), Machine with { MaxBatchSize = 100 }),
        new SinkKind<SlackSinkOptions>("slack", AlertSinkSettings.SlackSettings, AlertSinkSettings.SlackRequired, (o, r, c) => new SlackSink(o, r, c), Chat),
        new SinkKind<TeamsSinkOptions>("teams", AlertSinkSettings.TeamsSettings, AlertSinkSettings.TeamsRequired, (o, r, c) => new TeamsSink(o, r, c), Chat),
        new SinkKind<PagerDutySinkOptions>("pagerduty", AlertSinkSettings.PagerDutySettings, AlertSinkSettings.PagerDutyRequired, (o, r, c) => new PagerDutySink(o, r, c), Chat),
        new SinkKind<EmailSinkOptions>("email", AlertSinkSettings.EmailSettings, AlertSinkSettings.EmailRequired, (o, r, c) => new EmailSink(o, r, c), Chat, AlertSinkSettings.EmailValidate),
        new SinkKind<SyslogSinkOptions>("syslog", AlertSinkSettings.SyslogSettings, AlertSinkSettings.SyslogRequired, (o, r, c) => new SyslogSink(o, r, c), Machine),
        new SinkKind<SplunkHecSinkOptions>("splunk-hec", AlertSinkSettings.SplunkHecSettings, AlertSinkSettings.SplunkHecRequired, (o, r, c) => new SplunkHecSink(o, r, c), Machine with { MaxBatchSize = 100 }, AlertSinkSettings.SplunkHecValidate),
        new SinkKind<ElasticsearchSinkOptions>("elasticsearch", AlertSinkSettings.ElasticsearchSettings, AlertSinkSettings.ElasticsearchRequired, (o, r, c) => new ElasticsearchSink(o, r, c), Machine, AlertSinkSettings.ElasticsearchValidate),
        new SinkKind<OcsfSinkOptions>("ocsf", AlertSinkSettings.OcsfSettings, [], (o, r, c) => new OcsfSink(o, r, c), Machine with { MaxBatchSize = 100 }, AlertSinkSettings.OcsfValidate),
    ];

    public static SinkKind? Find(string id) => All.FirstOrDefault(k => k.Id == id);
}
