using System.Diagnostics;
using System.Text;

namespace PipeWatch.Sources.Git;

/// <summary>A git repository on disk, driven through the <c>git</c> command: its root, its name, and git processes run in it.</summary>
public sealed class GitRepository
{
    // Settings that would change what git prints: a user's diff prefixes, colours, external diff drivers, signatures.
    private static readonly string[] Neutral =
    [
        "-c", "core.quotepath=off", "-c", "color.ui=false", "-c", "log.showSignature=false", "-c", "diff.noprefix=false",
        "-c", "diff.mnemonicPrefix=false", "-c", "core.pager=cat",
    ];

    private GitRepository(string root, string name, bool? shallow, IReadOnlyDictionary<string, string> origin)
    {
        Root = root;
        Name = name;
        Shallow = shallow;
        _origin = origin;
    }

    // The origin remote's settings a scan reads (url, partialclonefilter, promisor), by lower-case key: read by one git process.
    private readonly IReadOnlyDictionary<string, string> _origin;

    /// <summary>The top folder of the work tree (or the git folder of a bare repository).</summary>
    public string Root { get; }

    /// <summary><c>owner/name</c> from the origin remote, else the folder's name.</summary>
    public string Name { get; }

    /// <summary>Opens the repository that holds <paramref name="path"/>.</summary>
    /// <exception cref="GitException">git is missing, or <paramref name="path"/> is not in a git repository.</exception>
    /// <remarks>
    /// Two git processes (every scan pays them before its first commit): one for the root and whether the clone is shallow, one
    /// for the origin remote's settings.
    /// </remarks>
    public static GitRepository Open(string path)
    {
        if (!Directory.Exists(path)) throw new GitException($"{path}: no such folder");
        // In a work tree: "true" or "false", a newline, then the root. A bare repository has no root (git fails): asked again below.
        var text = RunIn(path, ["rev-parse", "--is-shallow-repository", "--show-toplevel"], allowFailure: true) ?? string.Empty;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var root = newline < 0 ? null : text[(newline + 1)..].Trim();
        bool? shallow = string.IsNullOrEmpty(root) ? null : text[..newline] == "true";
        if (string.IsNullOrEmpty(root))
        {
            var bare = RunIn(path, ["rev-parse", "--is-bare-repository"], allowFailure: true)?.Trim();
            if (bare != "true") throw new GitException($"{path}: not a git repository (use --no-git to scan a plain folder)");
            root = Path.GetFullPath(path);
        }

        var origin = ReadOrigin(root);
        var name = GitRemotes.RepositoryPath(origin.GetValueOrDefault("url")) ?? new DirectoryInfo(root).Name;
        return new GitRepository(root, name, shallow, origin);
    }

    /// <summary>Whether the clone is shallow, as found on opening; null when not known (a bare repository: ask git).</summary>
    internal bool? Shallow { get; }

    /// <summary>A setting of the origin remote (<c>url</c>, <c>partialclonefilter</c>, <c>promisor</c>), as <c>git config --get</c> gives it; null when unset.</summary>
    internal string? OriginSetting(string key) => _origin.GetValueOrDefault(key);

    /// <summary>Runs git and returns its standard output; null when it fails and <paramref name="allowFailure"/> is set.</summary>
    public string? Run(IReadOnlyList<string> args, bool allowFailure = false) => RunIn(Root, args, allowFailure);

    /// <summary>Starts git with its standard output to be streamed by the caller (standard input open when <paramref name="input"/>).</summary>
    internal Process Start(IReadOnlyList<string> args, bool input = false) => StartIn(Root, args, input);

    /// <summary>True when <paramref name="revision"/> names a commit.</summary>
    public bool IsCommit(string revision) => Run(["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], allowFailure: true) is { Length: > 0 };

    private const string OriginPrefix = "remote.origin.";

    // "git config -z --get-regexp": each entry is the key, a newline and the value, ended by NUL (a key alone when it has no
    // value); keys come lower-cased. The last value of a key wins, as with "git config --get". No origin remote: git exits 1.
    private static Dictionary<string, string> ReadOrigin(string root)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = RunIn(root, ["config", "-z", "--get-regexp", @"^remote\.origin\.(url|partialclonefilter|promisor)$"], allowFailure: true);
        foreach (var entry in (text ?? string.Empty).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var newline = entry.IndexOf('\n', StringComparison.Ordinal);
            var key = newline < 0 ? entry : entry[..newline];
            if (!key.StartsWith(OriginPrefix, StringComparison.Ordinal)) continue;
            settings[key[OriginPrefix.Length..]] = newline < 0 ? string.Empty : entry[(newline + 1)..].Trim();
        }

        return settings;
    }

    private static string? RunIn(string folder, IReadOnlyList<string> args, bool allowFailure)
    {
        using var process = StartIn(folder, args, input: false);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 0) return output;
        if (allowFailure) return null;
        throw new GitException($"git {string.Join(' ', args)} failed in {folder}: {FirstLine(error.Result)}");
    }

    private static Process StartIn(string folder, IReadOnlyList<string> args, bool input)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input,
            UseShellExecute = false,
            WorkingDirectory = folder,
            StandardOutputEncoding = Encoding.UTF8,
            StandardInputEncoding = input ? new UTF8Encoding(false) : null,
        };
        foreach (var arg in Neutral) info.ArgumentList.Add(arg);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["LC_ALL"] = "C";
        try
        {
            return Process.Start(info) ?? throw new GitException("git could not be started");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GitException($"git could not be started ({ex.Message}); is it installed and on PATH?");
        }
    }

    internal static string FirstLine(string text)
    {
        var line = text.Trim().Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no message";
        return line.StartsWith("fatal: ", StringComparison.Ordinal) ? line[7..] : line;
    }
}

/// <summary>git could not be run, or refused: the message says what and where.</summary>
public sealed class GitException(string message) : Exception(message);
