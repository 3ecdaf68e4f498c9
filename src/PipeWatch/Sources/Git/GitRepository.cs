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

    private GitRepository(string root, string name)
    {
        Root = root;
        Name = name;
    }

    /// <summary>The top folder of the work tree (or the git folder of a bare repository).</summary>
    public string Root { get; }

    /// <summary><c>owner/name</c> from the origin remote, else the folder's name.</summary>
    public string Name { get; }

    /// <summary>Opens the repository that holds <paramref name="path"/>.</summary>
    /// <exception cref="GitException">git is missing, or <paramref name="path"/> is not in a git repository.</exception>
    public static GitRepository Open(string path)
    {
        if (!Directory.Exists(path)) throw new GitException($"{path}: no such folder");
        var root = RunIn(path, ["rev-parse", "--show-toplevel"], allowFailure: true)?.Trim();
        if (string.IsNullOrEmpty(root))
        {
            var bare = RunIn(path, ["rev-parse", "--is-bare-repository"], allowFailure: true)?.Trim();
            if (bare != "true") throw new GitException($"{path}: not a git repository (use --no-git to scan a plain folder)");
            root = Path.GetFullPath(path);
        }

        var remote = RunIn(root, ["config", "--get", "remote.origin.url"], allowFailure: true)?.Trim();
        var name = GitRemotes.RepositoryPath(remote) ?? new DirectoryInfo(root).Name;
        return new GitRepository(root, name);
    }

    /// <summary>Runs git and returns its standard output; null when it fails and <paramref name="allowFailure"/> is set.</summary>
    public string? Run(IReadOnlyList<string> args, bool allowFailure = false) => RunIn(Root, args, allowFailure);

    /// <summary>Starts git with its standard output to be streamed by the caller (standard input open when <paramref name="input"/>).</summary>
    internal Process Start(IReadOnlyList<string> args, bool input = false) => StartIn(Root, args, input);

    /// <summary>True when <paramref name="revision"/> names a commit.</summary>
    public bool IsCommit(string revision) => Run(["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], allowFailure: true) is { Length: > 0 };

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
