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
        Setting.Bool<SecretsOptions>("verify", (o, v) => o with { Verify = v }),
        Setting.Duration<SecretsOptions>("verify-timeout", (o, v) => o with { VerifyTimeout = Clamp(v, 0.1, 120) }),
        Setting.Duration<SecretsOptions>("verify-spacing", (o, v) => o with { VerifySpacing = Clamp(v, 0, 60) }),
        Setting.Int<SecretsOptions>("verify-max", 1, 10_000, (o, v) => o with { VerifyMax = v }),
        new("verify-urls", (reader, node, at, o) => o with { VerifyUrls = Urls(reader, node, at) })
        {
            Schema = $$"""{"type":"object","properties":{{{string.Join(",", SecretVerifierOptions.Providers.Select(p => $$"""
                "{{p}}":{"type":"string","format":"uri"}
                """.Trim()))}}},"additionalProperties":false}""",
        },
    ];

    private static TimeSpan Clamp(TimeSpan value, double minSeconds, double maxSeconds) =>
        TimeSpan.FromSeconds(Math.Clamp(value.TotalSeconds, minSeconds, maxSeconds));

    // Provider name → base URL; a URL a secret must not be sent to (plain http off loopback, a query, user info) is a problem.
    private static Dictionary<string, string> Urls(YamlConfigReader reader, YamlDotNet.RepresentationModel.YamlNode node, string at)
    {
        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!reader.IsMapping(node, at, out var mapping)) return urls;
        foreach (var (key, value) in reader.Entries(mapping))
        {
            var path = $"{at}.{key}";
            if (!SecretVerifierOptions.Providers.Contains(key, StringComparer.Ordinal))
            {
                reader.Unknown(value, path, string.Join(", ", SecretVerifierOptions.Providers));
                continue;
            }

            if (reader.String(value, path) is not { } url) continue;
            if (SecretVerifierOptions.IsAllowed(url)) urls[key] = url;
            else reader.Problem(value, $"{path}: must be an https URL (or http to a loopback address) without query or user info, got '{url}'");
        }

        return urls;
    }
}
