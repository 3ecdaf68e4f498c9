using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>One line of agent output under construction: dotted ECS field names and scalar values, in the order added.</summary>
/// <remarks>Not thread-safe. Null values are left out; strings are cut at <see cref="MaxValueChars"/> (a hostile command line stays bounded).</remarks>
internal sealed class AgentRecord
{
    /// <summary>Characters a string value keeps at most.</summary>
    public const int MaxValueChars = 8192;

    private readonly List<KeyValuePair<string, object>> _fields = [];

    /// <summary>The fields, in the order added.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Fields => _fields;

    public AgentRecord Set(string name, string? value)
    {
        if (value is not null) _fields.Add(new(name, value.Length > MaxValueChars ? value[..MaxValueChars] + "…" : value));
        return this;
    }

    public AgentRecord Set(string name, long? value)
    {
        if (value is { } v) _fields.Add(new(name, v));
        return this;
    }

    public AgentRecord Set(string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) _fields.Add(new(name, Math.Round(v, 3)));
        return this;
    }

    public AgentRecord Set(string name, DateTimeOffset? value) =>
        Set(name, value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

    /// <summary>The value of a field, or null.</summary>
    public object? Get(string name) => _fields.FindLast(f => f.Key == name) is { Key: not null } found ? found.Value : null;

    /// <summary>The record as one line of JSON, without the newline.</summary>
    public byte[] ToJsonLine()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in _fields)
            {
                switch (value)
                {
                    case string s: writer.WriteString(name, s); break;
                    case long l: writer.WriteNumber(name, l); break;
                    case double d: writer.WriteNumber(name, d); break;
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
