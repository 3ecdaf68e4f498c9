using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Collectors;

/// <summary>
/// Falco's JSON output (<c>json_output: true</c>): one alert per line with <c>rule</c>, <c>priority</c>, <c>time</c>,
/// <c>output</c> and the rule's <c>output_fields</c> (<c>proc.cmdline</c>, <c>proc.exepath</c>, <c>fd.sip</c>, <c>evt.type</c>…).
/// </summary>
/// <remarks>
/// An alert on an <c>execve</c> is a program start; one with a server address (<c>fd.sip</c>/<c>fd.sport</c>, or <c>fd.rip</c>,
/// or a <c>fd.name</c> of "client->server") is a connection; any other is kept as an intrusion-detection record naming the
/// rule. The Falco rule (<c>rule.name</c>) and priority (<c>log.level</c>) are kept on each. Stateless and thread-safe.
/// </remarks>
internal sealed class FalcoFormat : IPayloadFormat
{
    private static readonly string[] ExecTypes = ["execve", "execveat"];

    public string Id => "falco";

    public bool Recognizes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.Object("output_fields"u8) is not null
        && root.String("rule"u8) is not null
        && root.String("priority"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        var output = root.Object("output_fields"u8)!.Value;
        var f = new CollectorFields()
            .With("rule.name", root.String("rule"u8))
            .With("log.level", root.String("priority"u8)?.ToLowerInvariant())
            .With(AgentFields.HostName, root.String("hostname"u8))
            .With(AgentFields.Executable, Text(output, "proc.exepath") ?? (Text(output, "proc.exe") is { } exe && exe.StartsWith('/') ? exe : null))
            .With(AgentFields.Name, Text(output, "proc.name"))
            .With(AgentFields.CommandLine, Text(output, "proc.cmdline"))
            .With(AgentFields.Pid, Text(output, "proc.pid"))
            // Falco ends a working directory with '/'; the agent does not (but for the root).
            .With(AgentFields.WorkingDirectory, Text(output, "proc.cwd") is { Length: > 1 } cwd ? cwd.TrimEnd('/') : Text(output, "proc.cwd"))
            .With(AgentFields.ParentPid, Text(output, "proc.ppid"))
            .With(AgentFields.ParentName, Text(output, "proc.pname"))
            .With(AgentFields.ParentExecutable, Text(output, "proc.pexepath"))
            .With(AgentFields.ParentCommandLine, Text(output, "proc.pcmdline"))
            .With(EventFields.UserName, Text(output, "user.name"))
            .With("container.id", Text(output, "container.id") is { } container && container != "host" ? container : null);
        foreach (var (name, key) in new[] { (EventFields.Repository, "ci.repository"), (EventFields.Pipeline, "ci.pipeline"), (EventFields.RunId, "ci.run_id"), (EventFields.Job, "ci.job") })
        {
            f.With(name, Text(output, key));
        }

        var time = CollectorEvents.Time(root.String("time"u8)) ?? (output.Int64("evt.time") is { } ns ? DateTimeOffset.UnixEpoch.AddTicks(ns / 100) : null);
        var id = AuditRecords.HashId(string.Empty, root);
        var type = Text(output, "evt.type");
        if (Server(output) is { } server)
        {
            f.With(AgentFields.DestinationIp, server.Ip).With(AgentFields.DestinationPort, server.Port)
                .With(AgentFields.DestinationDomain, Text(output, "fd.sip.name") ?? Text(output, "fd.rip.name"))
                .With(AgentFields.Transport, Text(output, "fd.l4proto"))
                .With(AgentFields.NetworkType, Text(output, "fd.type") is "ipv4" or "ipv6" ? Text(output, "fd.type") : null)
                .With("source.ip", Text(output, "fd.cip")).With("source.port", Text(output, "fd.cport"));
            context.Emit(CollectorEvents.Connection(Id, id, time, Text(output, "evt.res") is { } res && res != "SUCCESS" && res != "EINPROGRESS" ? Outcome.Failure : Outcome.Success, f, context.Origin));
        }
        else if (type is not null && ExecTypes.Contains(type) || type is null && f.ContainsKey(AgentFields.CommandLine))
        {
            context.Emit(CollectorEvents.ProgramStart(Id, id, time, f, context.Origin));
        }
        else
        {
            f.With("event.reason", root.String("output"u8));
            context.Emit(CollectorEvents.Alert(Id, id, time, f, context.Origin));
        }
    }

    // The server end of the alert's socket: fd.sip/fd.sport, fd.rip/fd.rport, or the right side of fd.name "c:p->s:p".
    private static (string Ip, long Port)? Server(JsonElement output)
    {
        if (Text(output, "fd.sip") is { Length: > 0 } sip && Port(Text(output, "fd.sport")) is { } sport) return (sip, sport);
        if (Text(output, "fd.rip") is { Length: > 0 } rip && Port(Text(output, "fd.rport")) is { } rport) return (rip, rport);
        if (Text(output, "fd.name") is { } name && name.IndexOf("->", StringComparison.Ordinal) is var arrow and > 0)
        {
            var right = name[(arrow + 2)..];
            var colon = right.LastIndexOf(':');
            if (colon > 0 && Port(right[(colon + 1)..]) is { } port && System.Net.IPAddress.TryParse(right[..colon].Trim('[', ']'), out var ip)) return (ip.ToString(), port);
        }

        return null;
    }

    private static long? Port(string? text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536 ? port : null;

    // An output field as text: strings as they are, numbers as written; null for <NA> (Falco's "not available") and other kinds.
    private static string? Text(JsonElement output, string name) =>
        output.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String when value.GetString() is { } s && s != "<NA>" => s,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
}
