using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Go <c>go.mod</c> (require lines, <c>// indirect</c>, replace directives to other modules or local paths) and <c>go.sum</c> (module versions with their <c>h1:</c> hashes).</summary>
internal sealed class GoModParser : ILockfileParser
{
    public string Format => "go-mod";

    public bool Recognizes(string path) => SourceText.FileName(path) is "go.mod" or "go.sum";

    public LockfileParse Parse(string path, string text) =>
        SourceText.FileName(path) == "go.sum" || path.EndsWith(".sum", StringComparison.Ordinal) ? Sum(text) : Mod(path, text);

    private static LockfileParse Sum(string text)
    {
        var found = new Dictionary<string, Dependency>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var parts = raw.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3) continue;
            // "<module> <version>/go.mod h1:…" hashes only the go.mod; the module's own line carries the content hash.
            var goModOnly = parts[1].EndsWith("/go.mod", StringComparison.Ordinal);
            var version = goModOnly ? parts[1][..^"/go.mod".Length] : parts[1];
            var key = parts[0] + "@" + version;
            if (goModOnly && found.ContainsKey(key)) continue;
            found[key] = new Dependency(Ecosystems.Go, parts[0], version, false, new DependencySource(SourceKind.Registry), goModOnly ? null : parts[2], number);
        }

        return LockfileParse.Of([.. found.Values]);
    }

    private static LockfileParse Mod(string path, string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return LockfileParse.Of([]);
        var required = new List<Dependency>();
        var replaces = new List<(string Old, string? OldVersion, string New, string? NewVersion)>();
        var problems = new List<Problem>();
        string? block = null;
        var sawModule = false;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var comment = raw.IndexOf("//", StringComparison.Ordinal);
            var indirect = comment >= 0 && raw[comment..].Contains("indirect", StringComparison.Ordinal);
            var line = (comment >= 0 ? raw[..comment] : raw).Trim();
            if (line.Length == 0) continue;
            if (line == ")")
            {
                block = null;
                continue;
            }

            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var verb = block ?? words[0];
            var args = block is null ? words[1..] : words;
            if (block is null && args is ["("])
            {
                block = verb;
                continue;
            }

            switch (verb)
            {
                case "module":
                    sawModule = true;
                    break;
                case "require" when args.Length >= 2:
                    required.Add(new Dependency(Ecosystems.Go, args[0], args[1], !indirect, new DependencySource(SourceKind.Registry), null, number));
                    break;
                case "replace" when Array.IndexOf(args, "=>") is var arrow and > 0 && arrow + 1 < args.Length:
                    replaces.Add((args[0], arrow > 1 ? args[1] : null, args[arrow + 1], arrow + 2 < args.Length ? args[arrow + 2] : null));
                    break;
                case "go" or "toolchain" or "exclude" or "retract" or "godebug" or "tool" or "require" or "replace":
                    break;
                default:
                    return LockfileParse.Failed(path, $"unknown directive '{verb}': not a go.mod file", number);
            }
        }

        if (!sawModule && required.Count == 0) return LockfileParse.Failed(path, "no 'module' directive: not a go.mod file");
        var found = new List<Dependency>();
        foreach (var d in required)
        {
            var r = replaces.LastOrDefault(r => r.Old == d.Name && (r.OldVersion is null || r.OldVersion == d.Version));
            if (r.New is null) found.Add(d);
            else if (r.NewVersion is null) found.Add(d with { Source = new DependencySource(SourceKind.Path, r.New), Version = "" });
            else found.Add(d with { Name = r.New, Version = r.NewVersion });
        }

        return new LockfileParse(found, problems);
    }
}
