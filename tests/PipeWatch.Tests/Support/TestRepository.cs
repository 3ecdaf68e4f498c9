using System.Diagnostics;
using System.Globalization;

namespace PipeWatch.Tests.Support;

/// <summary>A real git repository in a temp folder, built with the git CLI; every commit has fixed author and committer dates.</summary>
internal sealed class TestRepository : IDisposable
{
    /// <summary>The date of the first commit; each later commit is an hour after the one before.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private int _commits;

    /// <param name="branch">The first branch.</param>
    /// <param name="name">The repository folder's name, which scan reports as the repository (and so hashes into fingerprints); a random one if not given.</param>
    public TestRepository(string branch = "main", string? name = null)
    {
        Path = name is null ? _folder.Path : Directory.CreateDirectory(_folder.File(name)).FullName;
        Git("init", "-q", "-b", branch);
        Git("config", "user.name", "Dana Dev");
        Git("config", "user.email", "dana@example.com");
        Git("config", "commit.gpgsign", "false");
    }

    public string Path { get; }

    /// <summary>When the next commit will be dated.</summary>
    public DateTimeOffset NextDate => Start.AddHours(_commits);

    /// <summary>Writes a file (creating folders), relative to the work tree.</summary>
    public TestRepository Write(string path, string content)
    {
        var full = System.IO.Path.Combine(Path, path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return this;
    }

    public TestRepository WriteBytes(string path, byte[] content)
    {
        var full = System.IO.Path.Combine(Path, path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return this;
    }

    public TestRepository Delete(string path)
    {
        Git("rm", "-q", "--", path);
        return this;
    }

    /// <summary>Stages everything and commits; returns the commit id.</summary>
    public string Commit(string message, string author = "Dana Dev <dana@example.com>")
    {
        Git("add", "-A");
        GitDated("commit", "-q", "--allow-empty", "--no-verify", "-m", message, "--author", author);
        return Head();
    }

    /// <summary>Stages everything and commits with author and committer dated <paramref name="when"/> (its UTC offset kept); returns the commit id.</summary>
    public string Commit(string message, string author, DateTimeOffset when)
    {
        Git("add", "-A");
        Run(["commit", "-q", "--allow-empty", "--no-verify", "-m", message, "--author", author], when.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
        return Head();
    }

    /// <summary>Merges <paramref name="branch"/> into the current branch with a merge commit; returns its id.</summary>
    public string Merge(string branch, string message = "merge")
    {
        GitDated("merge", "-q", "--no-ff", "--no-edit", "-m", message, branch);
        return Head();
    }

    /// <summary>Starts a merge without committing it, so the test can change the result (an "evil merge").</summary>
    /// <remarks>
    /// A conflict is expected here and not an error: the test writes the resolution. Any other failure (no such branch, nothing
    /// to merge) throws, as the commit that follows would not be a merge.
    /// </remarks>
    public void MergeNoCommit(string branch)
    {
        var mergeHead = System.IO.Path.Combine(Path, ".git", "MERGE_HEAD");
        try
        {
            Run(["merge", "-q", "--no-ff", "--no-commit", branch], null);
        }
        catch (InvalidOperationException) when (File.Exists(mergeHead))
        {
            // Conflicted: the merge is in progress, which is what the test wants.
        }

        if (!File.Exists(mergeHead)) throw new InvalidOperationException($"git merge --no-commit {branch} left no merge in progress");
    }

    /// <summary>The parents of <paramref name="commit"/>, first parent first.</summary>
    public string[] Parents(string commit) => Git("rev-list", "--parents", "-n", "1", commit).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[1..];

    public void Checkout(string branch, bool create = false)
    {
        if (create) Git("checkout", "-q", "-b", branch);
        else Git("checkout", "-q", branch);
    }

    public string Head() => Git("rev-parse", "HEAD").Trim();

    public string Git(params string[] args) => Run(args, null);

    private string GitDated(params string[] args)
    {
        var date = NextDate.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        _commits++;
        return Run(args, date);
    }

    private string Run(string[] args, string? date)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (date is not null)
        {
            info.Environment["GIT_AUTHOR_DATE"] = date;
            info.Environment["GIT_COMMITTER_DATE"] = date;
        }

        info.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {error.Result}");
        return output;
    }

    public void Dispose() => _folder.Dispose();
}
