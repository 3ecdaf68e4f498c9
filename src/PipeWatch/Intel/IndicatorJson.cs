using System.Buffers;
using System.Text;
using System.Text.Json;

namespace PipeWatch.Intel;

/// <summary>The stored body of an indicator: what the store's columns do not hold (description, labels, techniques, reference).</summary>
internal static class IndicatorJson
{
    public static string Write(Indicator indicator)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (indicator.Description is { } d) writer.WriteString("d"u8, d);
            if (indicator.Reference is { } r) writer.WriteString("r"u8, r);
            Array(writer, "l"u8, indicator.Labels);
            Array(writer, "t"u8, indicator.Techniques);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The indicator with the body's fields filled in; a body that cannot be read leaves them empty.</summary>
    public static Indicator Read(string body, Indicator indicator)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return indicator with
            {
                Description = root.TryGetProperty("d"u8, out var d) ? d.GetString() : null,
                Reference = root.TryGetProperty("r"u8, out var r) ? r.GetString() : null,
                Labels = Strings(root, "l"u8),
                Techniques = Strings(root, "t"u8),
            };
        }
        catch (JsonException)
        {
            return indicator;
        }
    }

    private static void Array(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return;
        writer.WriteStartArray(name);
        foreach (var v in values) writer.WriteStringValue(v);
        writer.WriteEndArray();
    }

    private static string[] Strings(JsonElement root, ReadOnlySpan<byte> name) =>
        root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];
}
