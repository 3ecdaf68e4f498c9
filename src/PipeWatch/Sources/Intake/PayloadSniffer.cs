using System.Text.Json;

namespace PipeWatch.Sources.Intake;

/// <summary>Names what an unsupported payload looks like, so the problem report says more than "unknown".</summary>
internal static class PayloadSniffer
{
    private const string Supported = "'pipewatch ingest --help' lists the formats it reads";

    private static readonly string[] GitHubEventObjects =
    [
        "pull_request", "issue", "release", "deployment_status", "deployment", "check_run", "check_suite",
        "repository_vulnerability_alert", "alert", "installation", "hook",
    ];

    public static string DescribeUnsupported(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return $"not a supported payload: the document is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object";
        }

        if (root.TryGetProperty("object_kind", out var kind) && kind.ValueKind == JsonValueKind.String)
        {
            return $"not a supported payload: a GitLab '{Shown(kind.GetString()!)}' event ({Supported})";
        }

        foreach (var name in GitHubEventObjects)
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
            {
                return $"not a supported payload: a GitHub '{name}' webhook ({Supported})";
            }
        }

        return "not a supported payload: no known format recognizes it (see 'pipewatch ingest --help' for --source)";
    }

    /// <summary>A value from the input as a message may quote it: at most 64 characters, control characters replaced.</summary>
    public static string Shown(string value)
    {
        var cut = value.Length > 64 ? value[..64] + "…" : value;
        return string.Create(cut.Length, cut, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++) span[i] = char.IsControl(text[i]) ? '?' : text[i];
        });
    }
}
