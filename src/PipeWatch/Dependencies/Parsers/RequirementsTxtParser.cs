using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>pip <c>requirements*.txt</c>: requirement lines (an exact version only when pinned with <c>==</c>/<c>===</c>), <c>--hash</c>, <c>-r</c> includes read from disk beside the file, <c>--index-url</c>/<c>--extra-index-url</c> as the source, and <c>name @ url</c>.</summary>
internal sealed partial class RequirementsTxtParser : ILockfileParser
{
    public string Format => "pip-requirements";

    public bool Recognizes(string path)
    {
        var name = SourceText.FileName(path);
        return name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) && name.Contains("requirements", StringComparison.OrdinalIgnoreCase);
    }

    public LockfileParse Parse(string path, string text)
    {
        var found = new List<Dependency>();
        var problems = new List<Problem>();
        Read(path, text, found, problems, new HashSet<string>(StringComparer.Ordinal) { Full(path) });
        return new LockfileParse(found, problems);
    }

    private static void Read(string path, string text, List<Dependency> found, List<Problem> problems, HashSet<string> seen)
    {
        string? index = null;
        var raw = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < raw.Length; i++)
        {
            var number = i + 1;
            var line = raw[i];
            // A trailing backslash continues the line.
            while (line.EndsWith('\\') && i + 1 < raw.Length) line = line[..^1] + " " + raw[++i];
            line = Comment().Replace(line, "").Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('-'))
            {
                var (option, value) = Option(line);
                if (option is "-r" or "--requirement") Include(path, value, found, problems, seen, number);
                else if (option is "-i" or "--index-url") index = value;
                continue;
            }

            var hashes = Hash().Matches(line).Select(m => m.Groups[1].Value).Where(h => h.Length > 0).ToList();
            var requirement = line.Split(" -", 2)[0].Split(';', 2)[0].Trim();
            if (Requirement().Match(requirement) is not { Success: true } m)
            {
                // Local paths and bare URLs name no package.
                continue;
            }

            var name = m.Groups["name"].Value;
            var url = m.Groups["url"].Success ? m.Groups["url"].Value.Trim() : null;
            var version = m.Groups["op"].Value is "==" or "===" && !m.Groups["version"].Value.Contains('*', StringComparison.Ordinal) ? m.Groups["version"].Value.Trim() : "";
            var source = url is not null
                ? url.StartsWith("git+", StringComparison.Ordinal) ? new DependencySource(SourceKind.Git, url) : new DependencySource(SourceKind.Tarball, url)
                : new DependencySource(SourceKind.Registry, index);
            found.Add(new Dependency(Ecosystems.PyPI, name, version, true, source, hashes.FirstOrDefault(), number));
        }
    }

    private static void Include(string path, string file, List<Dependency> found, List<Problem> problems, HashSet<string> seen, int line)
    {
        var target = Path.Combine(Path.GetDirectoryName(path) ?? "", file);
        if (!seen.Add(Full(target))) return;
        string text;
        try
        {
            text = File.ReadAllText(target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add(new Problem(path, $"included file '{file}' cannot be read ({ex.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)})", line));
            return;
        }

        Read(target, text, found, problems, seen);
    }

    private static string Full(string path) => Path.GetFullPath(path);

    private static (string, string) Option(string line)
    {
        var split = line.IndexOfAny([' ', '=']);
        return split < 0 ? (line, "") : (line[..split], line[(split + 1)..].Trim().Trim('='));
    }

    [GeneratedRegex(@"(^|\s)#.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"--hash[=\s]+(\S*)")]
    private static partial Regex Hash();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:@\s*(?<url>\S+)|(?<op>===|==|~=|!=|>=|<=|>|<)\s*(?<version>[^,\s]*))?")]
    private static partial Regex Requirement();
}
