using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Collectors;

/// <summary>
/// Tetragon's JSON events (<c>tetra getevents -o json</c>, or its export file): one object per line keyed by its kind,
/// <c>process_exec</c> (a program start) and <c>process_kprobe</c> with <c>function_name</c> <c>tcp_connect</c> (an outbound
/// connection, from its <c>sock_arg</c>), each with <c>process</c> and <c>parent</c> (binary, arguments, pid, cwd).
/// </summary>
/// <remarks>
/// Other kinds (<c>process_exit</c>, other kprobes, tracepoints, LSM hooks) are recognized and read as no event: they say
/// nothing the detectors use. Stateless and thread-safe.
/// </remarks>
internal sealed class TetragonFormat : IPayloadFormat
{
    private static readonly string[] Kinds = ["process_exec", "process_kprobe", "process_exit", "process_tracepoint", "process_uprobe", "process_lsm", "process_loader"];

    public string Id => "tetragon";

    public bool Recognizes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.String("time"u8) is not null
        && Kinds.Any(k => root.Object(k) is not null);

    public void Read(JsonElement root, PayloadContext context)
    {
        var time = CollectorEvents.Time(root.String("time"u8));
        var node = root.String("node_name"u8);
        if (root.Object("process_exec"u8) is { } exec)
        {
            if (exec.Object("process"u8) is not { } process)
            {
                context.Reject("a process_exec without 'process'");
                return;
            }

            var fields = Process(process, exec.Object("parent"u8), node);
            context.Emit(CollectorEvents.ProgramStart(Id, process.String("exec_id"u8) ?? AuditRecords.HashId(string.Empty, root), CollectorEvents.Time(process.String("start_time"u8)) ?? time, fields, context.Origin));
            return;
        }

        if (root.Object("process_kprobe"u8) is { } kprobe && kprobe.String("function_name"u8) == "tcp_connect")
        {
            var socket = kprobe.Array("args"u8)?.EnumerateArray().Select(a => a.Object("sock_arg"u8)).FirstOrDefault(s => s is not null);
            if (socket is not { } sock || sock.String("daddr"u8) is not { } daddr || sock.Int64("dport"u8) is not { } dport)
            {
                context.Reject("a tcp_connect kprobe without a sock_arg holding daddr and dport");
                return;
            }

            var fields = kprobe.Object("process"u8) is { } process ? Process(process, kprobe.Object("parent"u8), node) : new CollectorFields().With(AgentFields.HostName, node);
            fields.With(AgentFields.DestinationIp, daddr).With(AgentFields.DestinationPort, dport)
                .With("source.ip", sock.String("saddr"u8)).With("source.port", sock.Int64("sport"u8))
                .With(AgentFields.Transport, sock.String("protocol"u8) is { } protocol && protocol.StartsWith("IPPROTO_", StringComparison.Ordinal) ? protocol[8..].ToLowerInvariant() : null)
                .With(AgentFields.NetworkType, sock.String("family"u8) switch { "AF_INET" => "ipv4", "AF_INET6" => "ipv6", _ => null })
                .With("rule.name", kprobe.String("policy_name"u8));
            context.Emit(CollectorEvents.Connection(Id, AuditRecords.HashId(string.Empty, root), time, Outcome.Success, fields, context.Origin));
        }
    }

    // The process and its parent as Tetragon describes them: binary (the executable), arguments (one string), pid, cwd, uid.
    private static CollectorFields Process(JsonElement process, JsonElement? parent, string? node)
    {
        var binary = process.String("binary"u8);
        var fields = new CollectorFields()
            .With(AgentFields.HostName, node)
            .With(AgentFields.Executable, binary)
            .With(AgentFields.Name, CollectorEvents.NameOf(binary))
            .With(AgentFields.CommandLine, CommandLine(binary, process.String("arguments"u8)))
            .With(AgentFields.Pid, process.Int64("pid"u8))
            .With(AgentFields.WorkingDirectory, process.String("cwd"u8))
            .With("user.id", process.Int64("uid"u8))
            .With("container.id", process.String("docker"u8));
        if (parent is { } p)
        {
            var parentBinary = p.String("binary"u8);
            fields.With(AgentFields.ParentPid, p.Int64("pid"u8))
                .With(AgentFields.ParentExecutable, parentBinary)
                .With(AgentFields.ParentName, CollectorEvents.NameOf(parentBinary))
                .With(AgentFields.ParentCommandLine, CommandLine(parentBinary, p.String("arguments"u8)));
        }

        return fields;
    }

    private static string? CommandLine(string? binary, string? arguments) =>
        binary is null ? null : string.IsNullOrEmpty(arguments) ? binary : $"{binary} {arguments}";
}
