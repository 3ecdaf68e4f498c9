using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Gradle dependency lockfiles (<c>gradle.lockfile</c>, <c>*.lockfile</c> under <c>gradle/dependency-locks</c>): <c>group:artifact:version=configurations</c> per line.</summary>
internal sealed class GradleLockfileParser : ILockfileParser
{
    public string Format => "gradle-lockfile";

    public bool Recognizes(string path) =>
        SourceText.FileName(path) is "gradle.lockfile" || (path.Contains("dependency-locks/", StringComparison.Ordinal) && path.EndsWith(".lockfile", StringComparison.Ordinal));

    public LockfileParse Parse(string path, string text)
    {
        var found = new List<Dependency>();
        var problems = new List<Problem>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("empty=", StringComparison.Ordinal)) continue;
            var coordinates = line.Split('=')[0].Split(':');
            if (coordinates.Length != 3 || coordinates.Any(c => c.Length == 0 || c.Contains(' ', StringComparison.Ordinal)))
            {
                problems.Add(new Problem(path, $"not 'group:artifact:version=configurations': '{(line.Length > 60 ? line[..60] + "…" : line)}'", number));
                continue;
            }

            found.Add(new Dependency(Ecosystems.Maven, $"{coordinates[0]}:{coordinates[1]}", coordinates[2], false, new DependencySource(SourceKind.Registry), null, number));
        }

        return new LockfileParse(found, problems);
    }
}
