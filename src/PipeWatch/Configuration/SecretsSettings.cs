using PipeWatch.Rules.Patterns;

namespace PipeWatch.Configuration;

/// <summary>The keys of the <c>secrets</c> section of pipewatch.yml; the path resolves against the config file's folder.</summary>
internal static class SecretsSettings
{
    public static IReadOnlyList<Setting<SecretsOptions>> All { get; } =
    [
        new("rules", (reader, node, at, o) => reader.String(node, at) is { } path
            ? o with { Rules = Path.GetFullPath(path, Path.GetDirectoryName(Path.GetFullPath(reader.File)) ?? Directory.GetCurrentDirectory()) }
            : o) { Schema = """{"type":"string"}""" },
    ];
}
