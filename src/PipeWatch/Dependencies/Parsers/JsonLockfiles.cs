using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Opens a JSON lockfile, turning a syntax error into a problem with its line.</summary>
internal static class JsonLockfiles
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

    /// <summary>The parsed document, or null with <paramref name="failure"/> set when the text is not a JSON object.</summary>
    public static JsonDocument? Open(string path, string text, out LockfileParse? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            failure = LockfileParse.Failed(path, "file is empty");
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(text, Options);
            var kind = document.RootElement.ValueKind;
            if (kind == JsonValueKind.Object) return document;
            document.Dispose();
            failure = LockfileParse.Failed(path, $"expected a JSON object, found {kind.ToString().ToLowerInvariant()}");
            return null;
        }
        catch (JsonException ex)
        {
            failure = LockfileParse.Failed(path, $"invalid JSON: {ex.Message.Split(" Path:")[0].TrimEnd('.')}", (int?)ex.LineNumber + 1);
            return null;
        }
    }

    public static string? String(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool Bool(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public static JsonElement? Object(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    /// <summary>The property names of an object member (empty when missing or not an object).</summary>
    public static IEnumerable<string> Keys(this JsonElement e, string name) =>
        e.Object(name) is { } o ? o.EnumerateObject().Select(p => p.Name) : [];
}
