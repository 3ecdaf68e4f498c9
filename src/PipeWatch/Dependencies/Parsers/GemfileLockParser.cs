namespace PipeWatch.Dependencies.Parsers;

/// <summary>Bundler <c>Gemfile.lock</c>: the gems under <c>GEM</c> (a registry remote), <c>GIT</c> (remote and revision) and <c>PATH</c> sections; <c>DEPENDENCIES</c> names the direct ones.</summary>
internal sealed class GemfileLockParser : ILockfileParser
{
    public string Format => "gemfile-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) is "Gemfile.lock" or "gems.locked";

    public LockfileParse Parse(string path, string text)
    {
        var gems = new List<(Dependency Gem, List<string> Requires)>();
        var direct = new HashSet<string>(StringComparer.Ordinal);
        string? section = null, remote = null, revision = null;
        var number = 0;
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            number++;
            if (raw.Length == 0) continue;
            if (!char.IsWhiteSpace(raw[0]))
            {
                section = raw.Trim();
                remote = revision = null;
                continue;
            }

            var indent = raw.Length - raw.TrimStart().Length;
            var line = raw.Trim();
            if (section is "GEM" or "GIT" or "PATH")
            {
                if (indent == 2 && line.StartsWith("remote:", StringComparison.Ordinal)) remote = line[7..].Trim();
                else if (indent == 2 && line.StartsWith("revision:", StringComparison.Ordinal)) revision = line[9..].Trim();
                else if (indent == 4 && Spec(line) is ({ } name, { } version))
                {
                    var source = section switch
                    {
                        "GIT" => new DependencySource(SourceKind.Git, revision is null ? remote : $"{remote}#{revision}"),
                        "PATH" => new DependencySource(SourceKind.Path, remote),
                        _ => new DependencySource(SourceKind.Registry, remote),
                    };
                    gems.Add((new Dependency(Ecosystems.RubyGems, name, version, false, source, null, number), []));
                }
                else if (indent == 6 && gems.Count > 0 && Spec(line).Name is { } requirement)
                {
                    gems[^1].Requires.Add(requirement);
                }
            }
            else if (section == "DEPENDENCIES" && indent == 2)
            {
                direct.Add(line.Split(' ')[0].TrimEnd('!'));
            }
        }

        return LockfileParse.Of([.. gems.Select(g => g.Gem with { Direct = direct.Contains(g.Gem.Name), Requires = g.Requires })]);
    }

    /// <summary>"name (version)" or "name (version-platform)"; a requirement line has a constraint or none.</summary>
    private static (string? Name, string? Version) Spec(string line)
    {
        var open = line.IndexOf(" (", StringComparison.Ordinal);
        if (open < 0) return (line.Split(' ')[0], null);
        var inner = line[(open + 2)..].TrimEnd(')');
        var isVersion = inner.Length > 0 && char.IsAsciiDigit(inner[0]);
        return (line[..open], isVersion ? inner.Split('-')[0] : null);
    }
}
