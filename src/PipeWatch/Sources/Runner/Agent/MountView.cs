namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The /etc/hosts the processes of one mount namespace see, as far as the trace tells: shared by every traced process in that namespace.</summary>
/// <remarks>
/// Why it is kept from the trace rather than read when a connection is handled: a short-lived process (and with it a private
/// namespace) is often gone by the time its lines are read, and /proc/PID/root/etc/hosts with it. A bind mount on
/// /etc/hosts (or /etc) is a traced call: its source file is read when the mount is seen, and the text kept here. A namespace
/// the job made (unshare, clone, setns) without such a mount keeps a copy of what its processes saw at exec, read through
/// /proc while they lived. Not thread-safe: <see cref="JobTrace"/> serializes calls.
/// </remarks>
internal sealed class MountView
{
    /// <summary>The largest hosts file read (bytes); a larger one is not used.</summary>
    public const int MaxHostsBytes = 1 << 20;

    private string? _parsedText;
    private Dictionary<string, List<string>> _parsed = [];

    private MountView(bool foreign, string? hosts, bool mounted, string? seen)
    {
        Foreign = foreign;
        MountedHosts = hosts;
        Mounted = mounted;
        SeenHosts = seen;
    }

    /// <summary>The namespace the trace began in (the agent's own, or the attached process's).</summary>
    public static MountView Initial() => new(foreign: false, null, mounted: false, null);

    /// <summary>True for a namespace the job made or joined: the agent's own /etc/hosts says nothing about it.</summary>
    public bool Foreign { get; }

    /// <summary>True once a bind mount on /etc/hosts was seen in this namespace (and not unmounted).</summary>
    public bool Mounted { get; private set; }

    /// <summary>The text of the file bind-mounted on /etc/hosts, read when the mount was seen; null when it could not be read.</summary>
    public string? MountedHosts { get; private set; }

    /// <summary>The hosts file as a process of this namespace saw it at its exec, read through /proc (a foreign namespace only).</summary>
    public string? SeenHosts { get; set; }

    /// <summary>A new namespace made from this one (unshare, clone with CLONE_NEWNS): the same mounts, from now on its own.</summary>
    public MountView Copy() => new(foreign: true, MountedHosts, Mounted, SeenHosts);

    /// <summary>A namespace joined with setns that the trace does not know.</summary>
    public static MountView Unknown() => new(foreign: true, null, mounted: false, null);

    /// <summary>A bind mount of a file whose text is <paramref name="text"/> (null: unreadable) on /etc/hosts.</summary>
    public void MountHosts(string? text)
    {
        Mounted = true;
        MountedHosts = text;
    }

    /// <summary>/etc/hosts unmounted: the file under it shows again (for a namespace the job made, as last seen at an exec).</summary>
    public void UnmountHosts()
    {
        Mounted = false;
        MountedHosts = null;
    }

    /// <summary>The names <paramref name="text"/> gives <paramref name="ip"/>, parsed once per distinct text.</summary>
    public IReadOnlyList<string> Names(string? text, string ip)
    {
        if (text is null) return [];
        if (!string.Equals(text, _parsedText, StringComparison.Ordinal))
        {
            _parsed = JobTrace.ParseHosts(text);
            _parsedText = text;
        }

        return _parsed.TryGetValue(ip, out var names) ? names : [];
    }

    /// <summary>Reads a hosts file the job mounted (a path in the agent's own view), bounded; null when it cannot.</summary>
    public static string? ReadFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length <= MaxHostsBytes ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
