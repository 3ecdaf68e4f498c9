using System.Text.Json;
using System.Text.Json.Serialization;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>The stored form of an <see cref="Advisory"/>: compact JSON written and read by source-generated System.Text.Json.</summary>
internal static class AdvisoryJson
{
    public static string Write(Advisory advisory) => JsonSerializer.Serialize(advisory, AdvisoryJsonContext.Default.Advisory);

    public static Advisory? Read(string json) => JsonSerializer.Deserialize(json, AdvisoryJsonContext.Default.Advisory);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Advisory))]
internal sealed partial class AdvisoryJsonContext : JsonSerializerContext;
