using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner;

/// <summary>
/// Runner host telemetry as Elastic Common Schema JSON (what Auditbeat, Elastic Agent or an ECS-formatting Falco/Tetragon
/// exporter writes): one process, network or file event per document, nested (<c>{"process":{"executable":…}}</c>) or dotted
/// (<c>{"process.executable":…}</c>).
/// </summary>
/// <remarks>
/// Every scalar leaf is kept in <see cref="Event.Fields"/> under its dotted ECS name (arrays of scalars: the first element),
/// which is what Sigma rules read through the field mapping. <c>ci.repository</c>, <c>ci.pipeline</c>, <c>ci.run_id</c> and
/// <c>ci.job</c>, when an exporter adds them (e.g. from the runner's GITHUB_* variables), tie the event to its run.
/// </remarks>
internal sealed class EcsTelemetryFormat : IPayloadFormat
{
    /// <summary>The <c>event.category</c> values read; others are not runner telemetry.</summary>
    public static readonly IReadOnlyList<string> CategoriesRead = ["process", "network", "file"];

    public string Id => "ecs-telemetry";

    public bool Recognizes(JsonElement root) => Category(root) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(root, null, fields, 0);
        var category = Category(root)!;
        fields["event.category"] = category;
        var timestamp = fields.TryGetValue("@timestamp", out var time) ? JsonFields.ParseTime(time) : null;
        var id = fields.GetValueOrDefault("event.id") is { Length: > 0 } eventId ? $"ecs:{eventId}" : AuditRecords.HashId("ecs:", root);
        context.Emit(new Event
        {
            Kind = EventKind.Telemetry,
            Id = id,
            Timestamp = timestamp ?? AuditRecords.MissingTimestamp,
            TimestampMissing = timestamp is null,
            Dataset = fields.GetValueOrDefault("event.dataset") ?? $"runner.{category}",
            Action = fields.GetValueOrDefault("event.action"),
            Outcome = OutcomeNames.Parse(fields.GetValueOrDefault("event.outcome")),
            Completed = true,
            Ci = new CiContext(
                fields.GetValueOrDefault(EventFields.Repository) ?? string.Empty,
                fields.GetValueOrDefault(EventFields.Pipeline) ?? string.Empty,
                fields.GetValueOrDefault(EventFields.RunId) ?? string.Empty,
                Job: fields.GetValueOrDefault(EventFields.Job),
                Commit: fields.GetValueOrDefault(EventFields.Commit),
                Platform: fields.GetValueOrDefault(EventFields.Platform)),
            UserName = fields.GetValueOrDefault(EventFields.UserName),
            Fields = fields,
            Origin = context.Origin,
        });
    }

    // event.category: a string or an array, nested or dotted; the first value this format reads.
    private static string? Category(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return null;
        var value = root.Object("event"u8) is { } e && e.TryGetProperty("category"u8, out var nested) ? nested
            : root.TryGetProperty("event.category"u8, out var dotted) ? dotted
            : (JsonElement?)null;
        return value switch
        {
            { ValueKind: JsonValueKind.String } s when CategoriesRead.Contains(s.GetString()) => s.GetString(),
            { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : null).FirstOrDefault(CategoriesRead.Contains),
            _ => null,
        };
    }

    private static void Flatten(JsonElement element, string? prefix, Dictionary<string, string> fields, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when depth < 8:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, prefix is null ? property.Name : $"{prefix}.{property.Name}", fields, depth + 1);
                }

                break;
            case JsonValueKind.Array when prefix is not null:
                if (element.EnumerateArray().FirstOrDefault(v => v.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) is { ValueKind: not JsonValueKind.Undefined } first)
                {
                    Flatten(first, prefix, fields, depth + 1);
                }

                break;
            case JsonValueKind.String:
                fields[prefix!] = FieldLimit.Clip(element.GetString())!;
                break;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                fields[prefix!] = element.GetRawText();
                break;
        }
    }
}
