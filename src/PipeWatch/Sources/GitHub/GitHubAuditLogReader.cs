using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>Reads a GitHub audit-log entry straight from its UTF-8 bytes: the fast path of <see cref="GitHubAuditLogFormat"/>.</summary>
/// <remarks>
/// One forward pass with <see cref="Utf8JsonReader"/> over the entry's top-level properties: the mapped ones are read as the document
/// path reads them (mistyped means null, the last of repeated properties wins), the others copied as <c>github.&lt;name&gt;</c> in order
/// (the first of repeated ones wins), so the event is the same. The rare shapes it does not read — an older export's <c>data</c>
/// object, an escaped property name — are answered <see cref="Utf8ReadResult.Invalid"/> and left to the document path.
/// </remarks>
internal sealed class GitHubAuditLogReader : IUtf8PayloadReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256 };

    [ThreadStatic]
    private static Utf8StringCache? _fieldNames;

    public string FormatId => "github-audit";

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

        var start = (int)reader.TokenStartIndex;
        var entry = default(GitHubAuditEntry);
        string? action = null, configUrl = null;
        bool actionIsString = false, hasActorOrTime = false, jobObject = false, runObject = false;
        DateTimeOffset? timestamp = null, atSignTimestamp = null, createdAt = null, eventTime = null;
        // Sized for a typical entry's extra fields, so the dictionary does not grow (and copy) two or three times per line.
        var fields = new Dictionary<string, string>(16, StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped) return Utf8ReadResult.Invalid;
            var name = reader.ValueSpan;
            reader.Read();
            var key = Classify(name);
            switch (key)
            {
                case Key.Action:
                    actionIsString = reader.TokenType == JsonTokenType.String;
                    action = StringValue(ref reader);
                    break;
                case Key.Actor:
                    hasActorOrTime = true;
                    entry.Actor = StringValue(ref reader);
                    break;
                case Key.Timestamp:
                    hasActorOrTime = true;
                    timestamp = TimeValue(ref reader);
                    break;
                case Key.AtSignTimestamp:
                    atSignTimestamp = TimeValue(ref reader);
                    break;
                case Key.CreatedAt:
                    hasActorOrTime = true;
                    createdAt = TimeValue(ref reader);
                    break;
                case Key.EventTime:
                    eventTime = TimeValue(ref reader);
                    break;
                case Key.DocumentId:
                    hasActorOrTime = true;
                    entry.DocumentId = StringValue(ref reader);
                    break;
                case Key.User:
                    entry.User = StringValue(ref reader);
                    break;
                case Key.UserLogin:
                    entry.UserLogin = StringValue(ref reader);
                    break;
                case Key.Org:
                    entry.Organization = Organization(ref reader);
                    break;
                case Key.Repo:
                    entry.Repo = StringValue(ref reader);
                    break;
                case Key.Repository:
                    entry.Repository = StringValue(ref reader);
                    break;
                case Key.ActorIp:
                    entry.ActorIp = StringValue(ref reader);
                    break;
                case Key.UserAgent:
                    entry.UserAgent = StringValue(ref reader);
                    break;
                case Key.ActorLocation:
                    entry.LocationIp = entry.CountryCode = null;
                    if (reader.TokenType == JsonTokenType.StartObject && !ReadLocation(ref reader, ref entry)) return Utf8ReadResult.Invalid;
                    break;
                case Key.Config:
                    configUrl = null;
                    if (reader.TokenType == JsonTokenType.StartObject && !ReadUrl(ref reader, out configUrl)) return Utf8ReadResult.Invalid;
                    break;
                case Key.Data:
                    return Utf8ReadResult.Invalid;
                case Key.Skipped:
                    break;
                case Key.WorkflowJob:
                    jobObject = reader.TokenType == JsonTokenType.StartObject;
                    CopyScalar(ref reader, name, fields, ref entry, key);
                    break;
                case Key.WorkflowRun:
                    runObject = reader.TokenType == JsonTokenType.StartObject;
                    CopyScalar(ref reader, name, fields, ref entry, key);
                    break;
                default:
                    CopyScalar(ref reader, name, fields, ref entry, key);
                    break;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }

        // Whatever follows the document (there must be nothing) throws here, as it would in JsonDocument.Parse.
        if (reader.TokenType != JsonTokenType.EndObject) return Utf8ReadResult.Invalid;
        var end = (int)reader.BytesConsumed;
        if (reader.Read()) return Utf8ReadResult.Invalid;
        if (!actionIsString || !action!.Contains('.') || !hasActorOrTime || jobObject || runObject) return Utf8ReadResult.NotThisFormat;

        entry.Action = action;
        entry.Timestamp = timestamp ?? atSignTimestamp ?? createdAt ?? eventTime;
        if (entry.Timestamp is null) fields = WithTimestampMissing(fields);
        if (configUrl is { Length: > 0 }) fields["github.config.url"] = configUrl;
        // As AuditRecords.HashId: over the object's own bytes, without the whitespace around it.
        var hashId = entry.NeedsHashId ? "github:audit:" + XxHash3.HashToUInt64(json[start..end]).ToString("x16", CultureInfo.InvariantCulture) : null;
        e = entry.ToEvent(fields, hashId, origin);
        return Utf8ReadResult.Read;
    }

    private enum Key
    {
        Copied,
        Skipped,
        Action,
        Actor,
        Timestamp,
        AtSignTimestamp,
        CreatedAt,
        EventTime,
        DocumentId,
        User,
        UserLogin,
        Org,
        Repo,
        Repository,
        ActorIp,
        ActorLocation,
        UserAgent,
        Config,
        Data,
        WorkflowJob,
        WorkflowRun,
        Name,
        RunId,
        RunAttempt,
        HeadBranch,
        HeadSha,
    }

    /// <summary>What a top-level property is to the format: mapped (not copied), skipped (<c>p_*</c>), or copied (and maybe also read).</summary>
    private static Key Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("repo"u8) => Key.Repo,
        4 when name.SequenceEqual("user"u8) => Key.User,
        4 when name.SequenceEqual("data"u8) => Key.Data,
        4 when name.SequenceEqual("name"u8) => Key.Name,
        3 when name.SequenceEqual("org"u8) => Key.Org,
        5 when name.SequenceEqual("actor"u8) => Key.Actor,
        6 when name.SequenceEqual("action"u8) => Key.Action,
        6 when name.SequenceEqual("config"u8) => Key.Config,
        8 when name.SequenceEqual("actor_ip"u8) => Key.ActorIp,
        8 when name.SequenceEqual("head_sha"u8) => Key.HeadSha,
        10 when name.SequenceEqual("user_login"u8) => Key.UserLogin,
        10 when name.SequenceEqual("@timestamp"u8) => Key.Timestamp,
        10 when name.SequenceEqual("created_at"u8) => Key.CreatedAt,
        10 when name.SequenceEqual("repository"u8) => Key.Repository,
        10 when name.SequenceEqual("user_agent"u8) => Key.UserAgent,
        11 when name.SequenceEqual("head_branch"u8) => Key.HeadBranch,
        11 when name.SequenceEqual("run_attempt"u8) => Key.RunAttempt,
        12 when name.SequenceEqual("_document_id"u8) => Key.DocumentId,
        12 when name.SequenceEqual("workflow_job"u8) => Key.WorkflowJob,
        12 when name.SequenceEqual("workflow_run"u8) => Key.WorkflowRun,
        12 when name.SequenceEqual("p_event_time"u8) => Key.EventTime,
        14 when name.SequenceEqual("actor_location"u8) => Key.ActorLocation,
        15 when name.SequenceEqual("workflow_run_id"u8) => Key.RunId,
        17 when name.SequenceEqual("at_sign_timestamp"u8) => Key.AtSignTimestamp,
        _ when name.StartsWith("p_"u8) => Key.Skipped,
        _ => Key.Copied,
    };

    /// <summary>Copies one scalar (or array of scalars, comma-joined) as <c>github.&lt;name&gt;</c> as the format does, and keeps the value of the read ones.</summary>
    private static void CopyScalar(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, Dictionary<string, string> fields, ref GitHubAuditEntry entry, Key key)
    {
        var isArray = reader.TokenType == JsonTokenType.StartArray;
        var text = isArray ? JoinScalars(ref reader) : StringValue(ref reader);
        var value = isArray ? null : text;
        switch (key)
        {
            case Key.Name:
                entry.Name = value;
                break;
            case Key.RunId:
                entry.RunId = value;
                break;
            case Key.HeadBranch:
                entry.HeadBranch = value;
                break;
            case Key.HeadSha:
                entry.HeadSha = value;
                break;
            case Key.RunAttempt:
                entry.RunAttempt = Int64Value(ref reader, value);
                break;
        }

        if (!string.IsNullOrEmpty(text)) fields.TryAdd((_fieldNames ??= new Utf8StringCache("github.")).Get(name), text);
    }

    /// <summary>The array's scalars in their text, comma-joined, null when it has none; the reader on its start, left on its end.</summary>
    private static string? JoinScalars(ref Utf8JsonReader reader)
    {
        List<string>? items = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
            else if (StringValue(ref reader) is { } item)
            {
                (items ??= []).Add(item);
            }
        }

        return items is null ? null : string.Join(',', items);
    }

    /// <summary><c>org</c>: a string, or the first non-blank string of an array.</summary>
    private static string? Organization(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String) return GitHubAuditEntry.NonEmpty(FieldLimit.Clip(reader.GetString()));
        if (reader.TokenType != JsonTokenType.StartArray) return null;
        string? first = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            else if (first is null && reader.TokenType == JsonTokenType.String) first = GitHubAuditEntry.NonEmpty(FieldLimit.Clip(reader.GetString()));
        }

        return first;
    }

    /// <summary><c>actor_location</c>'s <c>ip</c> and <c>country_code</c>; false on an escaped name. The reader on its start, left on its end.</summary>
    private static bool ReadLocation(ref Utf8JsonReader reader, ref GitHubAuditEntry entry)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped) return false;
            var isIp = reader.ValueTextEquals("ip"u8);
            var isCountry = !isIp && reader.ValueTextEquals("country_code"u8);
            reader.Read();
            if (isIp) entry.LocationIp = StringValue(ref reader);
            else if (isCountry) entry.CountryCode = StringValue(ref reader);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }

        return true;
    }

    /// <summary><c>config</c>'s <c>url</c>; false on an escaped name. The reader on its start, left on its end.</summary>
    private static bool ReadUrl(ref Utf8JsonReader reader, out string? url)
    {
        url = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped) return false;
            var isUrl = reader.ValueTextEquals("url"u8);
            reader.Read();
            if (isUrl) url = StringValue(ref reader);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }

        return true;
    }

    private static Dictionary<string, string> WithTimestampMissing(Dictionary<string, string> fields)
    {
        var marked = new Dictionary<string, string>(StringComparer.Ordinal) { [AuditRecords.TimestampMissingField] = "true" };
        foreach (var (key, value) in fields) marked.TryAdd(key, value);
        return marked;
    }

    /// <summary>A string as <c>JsonFields.String</c> reads it: numbers and booleans in their JSON text, anything else null.</summary>
    private static string? StringValue(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => FieldLimit.Clip(reader.GetString()),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => null,
    };

    /// <summary>An integer as <c>JsonFields.Int64</c> reads it: a number (truncated when real) or a string of digits.</summary>
    private static long? Int64Value(ref Utf8JsonReader reader, string? text)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var number)) return number;
            return reader.TryGetDouble(out var real) && double.IsFinite(real) ? (long)real : null;
        }

        return reader.TokenType == JsonTokenType.String && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    /// <summary>A time as <see cref="AuditRecords.Time"/> reads it: epoch milliseconds (a number or a string of one), ISO 8601, or the exports' zoneless form.</summary>
    private static DateTimeOffset? TimeValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.TryGetDouble(out var ms) ? AuditRecords.FromEpochMilliseconds(ms) : null;
        if (reader.TokenType != JsonTokenType.String) return null;
        var text = reader.GetString();
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) return AuditRecords.FromEpochMilliseconds(parsed);
        if (!reader.ValueIsEscaped && JsonFields.TryParseUtc(reader.ValueSpan, out var time)) return time;
        var asTime = JsonFields.HasZone(reader.ValueSpan) && reader.TryGetDateTimeOffset(out time) ? time : JsonFields.ParseTime(text);
        return asTime ?? JsonFields.ParseTime(AuditRecords.Normalize(text));
    }
}
