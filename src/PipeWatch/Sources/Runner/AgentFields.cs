namespace PipeWatch.Sources.Runner;

/// <summary>The field names of the runner agent's JSON Lines (see <see cref="RunnerAgentFormat"/>): ECS names, plus <c>runner.*</c> for the per-step resource summary.</summary>
internal static class AgentFields
{
    /// <summary>The <c>agent.type</c> every agent line carries; it is how <see cref="RunnerAgentFormat"/> recognizes one.</summary>
    public const string AgentTypeValue = "pipewatch-agent";

    public const string AgentType = "agent.type";
    public const string AgentVersion = "agent.version";
    public const string EventId = "event.id";
    public const string Category = "event.category";
    public const string Type = "event.type";
    public const string Action = "event.action";
    public const string Outcome = "event.outcome";
    public const string Start = "event.start";
    public const string End = "event.end";
    public const string Duration = "event.duration";
    public const string HostName = "host.name";
    public const string HostOs = "host.os.type";
    public const string HostCpus = "host.cpu.count";

    public const string Pid = "process.pid";
    public const string ParentPid = "process.parent.pid";
    public const string Executable = "process.executable";
    public const string Name = "process.name";
    public const string CommandLine = "process.command_line";
    public const string ArgsCount = "process.args_count";
    public const string WorkingDirectory = "process.working_directory";
    public const string ProcessStart = "process.start";
    public const string ProcessEnd = "process.end";
    public const string ExitCode = "process.exit_code";
    public const string ParentExecutable = "process.parent.executable";
    public const string ParentCommandLine = "process.parent.command_line";
    public const string ParentName = "process.parent.name";

    public const string DestinationIp = "destination.ip";
    public const string DestinationPort = "destination.port";
    public const string DestinationDomain = "destination.domain";

    /// <summary>ECS: bytes sent from the source (the job's process) to the destination, on a connection record.</summary>
    public const string SourceBytes = "source.bytes";
    public const string Transport = "network.transport";
    public const string NetworkType = "network.type";
    public const string Protocol = "network.protocol";
    public const string DnsQuestionName = "dns.question.name";
    public const string DnsQuestionType = "dns.question.type";
    public const string DnsResolvedIp = "dns.resolved_ip";

    /// <summary>The <c>event.action</c> of the resource summary, one per traced command (a step) or per job.</summary>
    public const string ResourceSummaryAction = "resource-summary";
    public const string ConnectionAction = "connection-attempted";
    public const string DnsQueryAction = "dns-query";
    public const string ProcessAction = "exec";

    public const string CpuSeconds = "runner.cpu.seconds";
    public const string CpuBusySeconds = "runner.cpu.busy_seconds";
    public const string PeakMemoryBytes = "runner.memory.peak_bytes";
    public const string ReadBytes = "runner.io.read_bytes";
    public const string WriteBytes = "runner.io.write_bytes";
    public const string SentBytes = "runner.network.sent_bytes";

    /// <summary>The endpoint (host:port) the step sent the most bytes to, and how many (<see cref="TopDestinationBytes"/>).</summary>
    public const string TopDestination = "runner.network.top_destination";

    public const string TopDestinationBytes = "runner.network.top_destination_bytes";
    public const string Connections = "runner.network.connections";
    public const string Processes = "runner.processes";
    /// <summary>On a resource summary made from the runner's metrics exporter rather than the traced tree: its source (<see cref="PrometheusSource"/>), where it was scraped, and how many scrapes it adds up.</summary>
    public const string MetricsSource = "runner.metrics.source";

    public const string MetricsTarget = "runner.metrics.target";
    public const string MetricsScrapes = "runner.metrics.scrapes";
    public const string PrometheusSource = "prometheus";

    public const string TraceMode = "runner.trace.mode";
    public const string TraceMissed = "runner.trace.missed";
}
