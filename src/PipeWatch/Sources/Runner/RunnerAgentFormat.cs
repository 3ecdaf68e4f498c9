using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner;

/// <summary>
/// The lines <c>pipewatch agent</c> writes: one flat JSON object per process, network connection, DNS query or resource summary,
/// with dotted ECS field names (<c>process.executable</c>, <c>destination.ip</c>, <c>dns.question.name</c>), <c>ci.*</c> from the
/// runner's variables and <c>agent.type</c> = <c>pipewatch-agent</c>.
/// </summary>
/// <remarks>
/// Events are <see cref="EventKind.Telemetry"/>, like <see cref="EcsTelemetryFormat"/>'s, so Sigma's Linux process and network
/// rules read them through the field mapping. Scalar values are kept (cut at <see cref="FieldLimit.MaxChars"/>), at most
/// <see cref="MaxFields"/> of them; nested values are not agent output and are skipped. Stateless and thread-safe.
/// </remarks>
internal sealed class RunnerAgentFormat : IPayloadFormat
{
    /// <summary>Fields kept per line at most: an agent line has about 30.</summary>
    public const int MaxFields = 128;

    public string Id => "pipewatch-agent";

    public bool Recognizes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("agent.type"u8, out var type)
        && type.ValueKind == JsonValueKind.String
        && type.ValueEquals(AgentFields.AgentTypeValue);

    public void Read(JsonElement root, PayloadContext context)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (fields.Count >= MaxFields) break;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    fields[property.Name] = FieldLimit.Clip(property.Value.GetString())!;
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    fields[property.Name] = property.Value.GetRawText();
                    break;
            }
        }

        if (fields.GetValueOrDefault(AgentFields.EventId) is not { Length: > 0 } id)
        {
            context.Reject("an agent line without 'event.id'");
            return;
        }

        if (fields.GetValueOrDefault(AgentFields.Category) is not { Length: > 0 } category)
        {
            context.Reject("an agent line without 'event.category'");
            return;
        }

        var timestamp = JsonFields.ParseTime(fields.GetValueOrDefault(EventFields.Timestamp));
        var start = JsonFields.ParseTime(fields.GetValueOrDefault(AgentFields.Start));
        var end = JsonFields.ParseTime(fields.GetValueOrDefault(AgentFields.End));
        TimeSpan? duration = long.TryParse(fields.GetValueOrDefault(AgentFields.Duration), NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds)
            ? TimeSpan.FromTicks(nanoseconds / 100)
            : null;
        context.Emit(new Event
        {
            Kind = EventKind.Telemetry,
            Id = $"agent:{id}",
            Timestamp = timestamp ?? AuditRecords.MissingTimestamp,
            TimestampMissing = timestamp is null,
            Dataset = $"runner.agent.{category}",
            Action = fields.GetValueOrDefault(AgentFields.Action),
            Outcome = OutcomeNames.Parse(fields.GetValueOrDefault(AgentFields.Outcome)),
            Completed = true,
            Ci = new CiContext(
                fields.GetValueOrDefault(EventFields.Repository) ?? string.Empty,
                fields.GetValueOrDefault(EventFields.Pipeline) ?? string.Empty,
                fields.GetValueOrDefault(EventFields.RunId) ?? string.Empty,
                RunAttempt: int.TryParse(fields.GetValueOrDefault(EventFields.RunAttempt), CultureInfo.InvariantCulture, out var attempt) && attempt > 0 ? attempt : 1,
                Job: fields.GetValueOrDefault(EventFields.Job),
                Branch: fields.GetValueOrDefault(EventFields.Branch),
                Commit: fields.GetValueOrDefault(EventFields.Commit),
                Platform: fields.GetValueOrDefault(EventFields.Platform)),
            UserName = fields.GetValueOrDefault(EventFields.UserName),
            Start = start,
            End = end,
            Duration = duration,
            Fields = fields,
            Origin = context.Origin,
        });
    }
}
