namespace PipeWatch.Sinks;

/// <summary>Writes a new file beside the target and renames it over the target when disposed: a symlink at the target is replaced, never followed.</summary>
/// <remarks>
/// A repository under scan can hold a symlink where an output is written (<c>pipewatch.sarif</c> pointing anywhere): opening
/// the path would write through the link. The temporary file is created exclusively (<c>O_CREAT|O_EXCL</c>, which does not
/// follow a link), and <c>rename(2)</c> replaces the directory entry itself. Readers see the old file or the whole new one.
/// If the rename fails, the temporary file is deleted and the <see cref="IOException"/> names the target.
/// </remarks>
public sealed class ReplacingFileStream : FileStream
{
    private readonly string _target;
    private bool _replaced;

    private ReplacingFileStream(string temporary, string target)
        : base(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096)
    {
        _target = target;
    }

    /// <summary>
    /// Opens an output path given by the user: a device or process file (under <c>/dev/</c> or <c>/proc/</c>, such as
    /// <c>/dev/null</c> or <c>/dev/stdout</c>) is written in place, as no repository can put a link there and replacing it
    /// would break the machine; any other path gets a file that replaces it (<see cref="Create"/>).
    /// </summary>
    public static Stream Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var target = Path.GetFullPath(path);
        return !OperatingSystem.IsWindows() && (target.StartsWith("/dev/", StringComparison.Ordinal) || target.StartsWith("/proc/", StringComparison.Ordinal))
            ? new FileStream(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1)
            : Create(target);
    }

    /// <summary>Starts a file that replaces <paramref name="path"/> (an absolute path) once the stream is disposed.</summary>
    public static ReplacingFileStream Create(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target) ?? throw new IOException($"{target}: not a file path");
        var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        return new ReplacingFileStream(temporary, target);
    }

    /// <summary>
    /// Whether <paramref name="file"/> is <paramref name="target"/> itself or one of the temporary files it is written through
    /// (<c>.NAME.&lt;32 hex digits&gt;.tmp</c> beside it): what a scan of the folder holding its own output must not read.
    /// </summary>
    public static bool Writes(string target, string file)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(file);
        target = Path.GetFullPath(target);
        file = Path.GetFullPath(file);
        if (file == target) return true;
        if (Path.GetDirectoryName(file) != Path.GetDirectoryName(target)) return false;
        var name = Path.GetFileName(file.AsSpan());
        var prefix = $".{Path.GetFileName(target)}.";
        const int Id = 32;
        return name.Length == prefix.Length + Id + ".tmp".Length
            && name.StartsWith(prefix, StringComparison.Ordinal)
            && name.EndsWith(".tmp", StringComparison.Ordinal)
            && !name.Slice(prefix.Length, Id).ContainsAnyExcept("0123456789abcdef");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Replace();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        Replace();
    }

    private void Replace()
    {
        if (_replaced) return;
        _replaced = true;
        try
        {
            File.Move(Name, _target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(Name);
            throw new IOException($"{_target}: cannot write ({ex.Message})", ex);
        }
    }
}
