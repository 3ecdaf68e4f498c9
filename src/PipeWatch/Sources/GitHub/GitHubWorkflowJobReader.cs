using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>Reads a GitHub <c>workflow_job</c> webhook straight from its UTF-8 bytes: the fast path of <see cref="GitHubWorkflowJobFormat"/>.</summary>
/// <remarks>
/// One forward pass with <see cref="Utf8JsonReader"/>: the top-level <c>action</c>, the job's fields that <see cref="GitHubJob"/> maps,
/// <c>repository.full_name</c> and <c>sender.login</c>; everything else is skipped (and still validated). Each field reads as the
/// document path reads it (mistyped means null, the last of repeated properties wins), so the event is the same.
/// </remarks>
internal sealed class GitHubWorkflowJobReader : IUtf8PayloadReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256 };

    public string FormatId => GitHubWorkflowJobFormat.FormatId;

    /// <summary>Without the bytes of the quoted name (and without a backslash, which an escaped name needs) there is no <c>workflow_job</c> property.</summary>
    public bool Excludes(ReadOnlySpan<byte> json) => json.IndexOf("\"workflow_job\""u8) < 0 && json.IndexOf((byte)'\\') < 0;

    public Utf8ReadResult TryRead(ReadOnlySpan<byte> json, Origin origin, out Event? e) => Utf8Readers.Guarded(Read, json, origin, out e);

    private static Utf8ReadResult Read(ReadOnlySpan<byte> json, Origin origin, out Event? e)
    {
        e = null;
        var reader = new Utf8JsonReader(json, Options);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return reader.Read() ? Utf8ReadResult.Invalid : Utf8ReadResult.NotThisFormat;
        }

        string? action = null, repository = null, sender = null;
        var job = default(GitHubJobFields);
        var hasJob = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("workflow_job"u8))
            {
                reader.Read();
                hasJob = reader.TokenType == JsonTokenType.StartObject;
                job = hasJob ? ReadJob(ref reader) : default;
            }
            else if (reader.ValueTextEquals("action"u8))
            {
                reader.Read();
                action = StringValue(ref reader);
            }
            else if (reader.ValueTextEquals("repository"u8))
            {
                reader.Read();
                repository = LeadingString(ref reader, "full_name"u8);
            }
            else if (reader.ValueTextEquals("sender"u8))
            {
                reader.Read();
                sender = LeadingString(ref reader, "login"u8);
            }

            SkipValue(ref reader);
        }

        // Whatever follows the document (there must be nothing) throws here, as it would in JsonDocument.Parse.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return Utf8ReadResult.Invalid;
        if (!hasJob) return Utf8ReadResult.NotThisFormat;
        e = GitHubJob.ToEvent(in job, repository, sender, action, GitHubWorkflowJobFormat.Dataset, origin, out _);
        return e is null ? Utf8ReadResult.Invalid : Utf8ReadResult.Read;
    }

    /// <summary>The job object's fields, the reader on its start; leaves the reader on its end.</summary>
    private static GitHubJobFields ReadJob(ref Utf8JsonReader reader)
    {
        var job = new GitHubJobFields { Steps = [] };
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Compare only names of the right length; an escaped name (rare) is compared with every one.
            var length = reader.ValueIsEscaped ? -1 : reader.ValueSpan.Length;
            if (Is(ref reader, length, "id"u8)) job.Id = Int64Value(ref reader);
            else if (Is(ref reader, length, "run_id"u8)) job.RunId = StringValue(ref reader);
            else if (Is(ref reader, length, "run_url"u8)) job.RunUrl = StringValue(ref reader);
            else if (Is(ref reader, length, "run_attempt"u8)) job.RunAttempt = Int64Value(ref reader);
            else if (Is(ref reader, length, "head_sha"u8)) job.HeadSha = StringValue(ref reader);
            else if (Is(ref reader, length, "head_branch"u8)) job.HeadBranch = StringValue(ref reader);
            else if (Is(ref reader, length, "url"u8)) job.Url = StringValue(ref reader);
            else if (Is(ref reader, length, "html_url"u8)) job.HtmlUrl = StringValue(ref reader);
            else if (Is(ref reader, length, "status"u8)) job.Status = StringValue(ref reader);
            else if (Is(ref reader, length, "conclusion"u8)) job.Conclusion = StringValue(ref reader);
            else if (Is(ref reader, length, "created_at"u8)) job.CreatedAt = TimeValue(ref reader);
            else if (Is(ref reader, length, "started_at"u8)) job.StartedAt = TimeValue(ref reader);
            else if (Is(ref reader, length, "completed_at"u8)) job.CompletedAt = TimeValue(ref reader);
            else if (Is(ref reader, length, "name"u8)) job.Name = StringValue(ref reader);
            else if (Is(ref reader, length, "steps"u8)) job.Steps = reader.TokenType == JsonTokenType.StartArray ? ReadSteps(ref reader) : [];
            else if (Is(ref reader, length, "workflow_name"u8)) job.WorkflowName = StringValue(ref reader);

            SkipValue(ref reader);
        }

        return job;
    }

    /// <summary>True when the property name is <paramref name="name"/>; then moves the reader onto its value.</summary>
    private static bool Is(ref Utf8JsonReader reader, int length, ReadOnlySpan<byte> name)
    {
        if ((length != name.Length && length >= 0) || !reader.ValueTextEquals(name)) return false;
        reader.Read();
        return true;
    }

    /// <summary>Skips the value of the property the reader is on, or the object or array it is on: <see cref="Utf8JsonReader.Skip"/>, without a call for each plain value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.PropertyName) reader.Read();
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
    }

    /// <summary>The steps, as <see cref="GitHubJob"/> reads them from a document; the reader on the array's start, left on its end.</summary>
    private static IReadOnlyList<StepRecord> ReadSteps(ref Utf8JsonReader reader)
    {
        var records = ArrayPool<StepRecord>.Shared.Rent(32);
        var count = 0;
        var ordered = true;
        try
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                if (ReadStep(ref reader, count + 1) is not { } record) continue;
                if (count == records.Length)
                {
                    var bigger = ArrayPool<StepRecord>.Shared.Rent(count * 2);
                    records.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<StepRecord>.Shared.Return(records, clearArray: true);
                    records = bigger;
                }

                ordered &= count == 0 || records[count - 1].Number <= record.Number;
                records[count++] = record;
            }

            return GitHubJob.InExecutionOrder(records.AsSpan(0, count), ordered);
        }
        finally
        {
            ArrayPool<StepRecord>.Shared.Return(records, clearArray: true);
        }
    }

    /// <summary>One step, the reader on its start, left on its end. Names are matched on their raw bytes, as the document path does.</summary>
    private static StepRecord? ReadStep(ref Utf8JsonReader reader, int defaultNumber)
    {
        string? name = null;
        int? number = null;
        var completed = false;
        var conclusion = Outcome.Unknown;
        DateTimeOffset? started = null, ended = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            switch (reader.ValueSpan.Length)
            {
                case 4 when reader.ValueTextEquals("name"u8):
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? FieldLimit.Clip(reader.GetString()) : null;
                    break;
                case 6 when reader.ValueTextEquals("number"u8):
                    reader.Read();
                    number = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) ? n : null;
                    break;
                case 6 when reader.ValueTextEquals("status"u8):
                    reader.Read();
                    completed = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("completed"u8);
                    break;
                case 10 when reader.ValueTextEquals("conclusion"u8):
                    reader.Read();
                    conclusion = Conclusion(ref reader);
                    break;
                case 10 when reader.ValueTextEquals("started_at"u8):
                    reader.Read();
                    started = TimeValue(ref reader);
                    break;
                case 12 when reader.ValueTextEquals("completed_at"u8):
                    reader.Read();
                    ended = TimeValue(ref reader);
                    break;
            }

            SkipValue(ref reader);
        }

        return GitHubJob.Step(name, number, defaultNumber, completed, conclusion, (started, ended), static t => t);
    }

    /// <summary>The step's conclusion, comparing the common words on the UTF-8 bytes before falling back to a string.</summary>
    private static Outcome Conclusion(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) return Outcome.Unknown;
        if (reader.ValueTextEquals("success"u8)) return Outcome.Success;
        if (reader.ValueTextEquals("skipped"u8)) return Outcome.Skipped;
        return reader.ValueTextEquals("failure"u8) ? Outcome.Failure : OutcomeNames.Parse(reader.GetString());
    }

    /// <summary>The first <paramref name="name"/> of an object, as <see cref="JsonFields.LeadingString"/> reads it; null when the value is not an object.</summary>
    private static string? LeadingString(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return null;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                reader.Read();
                var value = StringValue(ref reader);
                // The rest of the object in one tight loop, down to its end (the only token back at its depth).
                while (reader.CurrentDepth > depth || reader.TokenType != JsonTokenType.EndObject)
                {
                    reader.Read();
                }

                return value;
            }

            SkipValue(ref reader);
        }

        return null;
    }

    /// <summary>A string as <see cref="JsonFields.String(JsonElement, string)"/> reads it: numbers and booleans in their JSON text, anything else null.</summary>
    private static string? StringValue(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => FieldLimit.Clip(reader.GetString()),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => null,
    };

    /// <summary>An integer as <see cref="JsonFields.Int64(JsonElement, string)"/> reads it: a number (truncated when real) or a string of digits.</summary>
    private static long? Int64Value(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var number)) return number;
            return reader.TryGetDouble(out var real) && double.IsFinite(real) ? (long)real : null;
        }

        return reader.TokenType == JsonTokenType.String && long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;
    }

    /// <summary>A timestamp as <see cref="JsonFields.AsTime"/> reads it: straight from the bytes when it has a zone, else the tolerant parse (no zone means UTC).</summary>
    private static DateTimeOffset? TimeValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) return null;
        if (!reader.ValueIsEscaped && JsonFields.TryParseUtc(reader.ValueSpan, out var time)) return time;
        return JsonFields.HasZone(reader.ValueSpan) && reader.TryGetDateTimeOffset(out time) ? time : JsonFields.ParseTime(reader.GetString());
    }
}
