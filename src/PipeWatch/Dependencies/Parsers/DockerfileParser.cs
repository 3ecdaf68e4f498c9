namespace PipeWatch.Dependencies.Parsers;

/// <summary>Dockerfiles and Containerfiles: the base image of every <c>FROM</c> (not earlier stages named with <c>AS</c>, not <c>scratch</c>).</summary>
internal sealed class DockerfileParser : ILockfileParser
{
    public string Format => "dockerfile";

    public bool Recognizes(string path)
    {
        var name = SourceText.FileName(path);
        return name is "Dockerfile" or "Containerfile" || name.EndsWith(".dockerfile", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Dockerfile.", StringComparison.Ordinal);
    }

    public LockfileParse Parse(string path, string text)
    {
        var found = new List<Dependency>();
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var words = raw.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !words[0].Equals("FROM", StringComparison.OrdinalIgnoreCase)) continue;
            var rest = words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
            if (rest.Length == 0) continue;
            var fromStage = stages.Contains(rest[0]);
            if (rest.Length >= 3 && rest[1].Equals("AS", StringComparison.OrdinalIgnoreCase)) stages.Add(rest[2]);
            if (!fromStage && ContainerImages.From(rest[0], number) is { } image) found.Add(image);
        }

        return LockfileParse.Of(found);
    }
}
