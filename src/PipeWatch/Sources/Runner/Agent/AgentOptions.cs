namespace PipeWatch.Sources.Runner.Agent;

/// <summary>How <see cref="AgentSession"/> watches a command.</summary>
public sealed record AgentOptions
{
    /// <summary>The command and its arguments; empty when <see cref="AttachPid"/> is set.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>A running process to watch from now on (the runner's worker, a job's shell) instead of a command: <c>agent start</c>.</summary>
    public int? AttachPid { get; init; }

    /// <summary>The step name the records carry (<c>ci.step</c>); null for a whole job.</summary>
    public string? Step { get; init; }

    /// <summary>The run the records are tied to.</summary>
    public CiVariables Ci { get; init; } = CiVariables.From(Environment.GetEnvironmentVariable);

    /// <summary>The collector: eBPF when it can load here, else strace when it works, else /proc polling.</summary>
    public AgentMode Mode { get; init; } = AgentMode.Auto;

    /// <summary>The strace program.</summary>
    public string Strace { get; init; } = "strace";

    /// <summary>The bpftrace program (the eBPF collector).</summary>
    public string Bpftrace { get; init; } = "bpftrace";

    /// <summary>Called once when the collector watches the tree (bpftrace's probes are loaded, strace is started, polling has begun): <c>agent start</c> returns then.</summary>
    public Action? Watching { get; init; }

    /// <summary>How often CPU, memory and I/O are sampled from /proc.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often /proc is polled for new processes and sockets when there is no tracer.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The command's working directory; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The runner's metrics exporter (a node_exporter <c>/metrics</c> URL, or a file holding one exposition), scraped every <see cref="SampleInterval"/>: the host's CPU, memory, network and disk over the run become a second resource summary. None when null.</summary>
    public string? Scrape { get; init; }

    /// <summary>Strings cut by strace at this many bytes (argv entries, sent buffers).</summary>
    public int MaxStringBytes { get; init; } = 1024;
}

/// <summary>How the agent collects.</summary>
public enum AgentMode
{
    /// <summary><see cref="Ebpf"/> when bpftrace can load here, else <see cref="Strace"/> when it is installed and ptrace is allowed, else <see cref="Proc"/>.</summary>
    Auto,

    /// <summary>strace following the whole tree; fails when it cannot run.</summary>
    Strace,

    /// <summary>/proc polling only: misses processes and connections shorter than the poll interval.</summary>
    Proc,

    /// <summary>bpftrace on kernel tracepoints (root or CAP_BPF + CAP_PERFMON, tracefs, BTF); fails when it cannot load.</summary>
    Ebpf,
}

/// <summary>What a watched command ended with.</summary>
/// <param name="ExitCode">The command's exit code (128 + signal when a signal ended it).</param>
/// <param name="Mode">How it was watched: ebpf, strace or proc.</param>
/// <param name="Missed">What the mode could not see, for the output and the summary record; null when nothing.</param>
/// <param name="Records">Lines written.</param>
/// <param name="OutputProblems">Why lines could not be written or sent, each once.</param>
public sealed record AgentResult(int ExitCode, string Mode, string? Missed, int Records, IReadOnlyList<string> OutputProblems);
