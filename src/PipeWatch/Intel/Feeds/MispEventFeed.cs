using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Intel.Feeds;

/// <summary>
/// Reads MISP event JSON as an instance exports it: one event (wrapped in <c>Event</c> or bare), a list of them, or a
/// <c>response</c> wrapper (of events, or of an attribute search's <c>Attribute</c> list); attributes of the event and of its objects.
/// </summary>
/// <remarks>
/// Types read: <c>md5</c>, <c>sha1</c>, <c>sha256</c>, <c>filename|md5</c>/<c>|sha1</c>/<c>|sha256</c>, <c>domain</c>, <c>hostname</c>,
/// <c>domain|ip</c>, <c>ip-dst</c>, <c>ip-src</c> (and <c>|port</c>), <c>url</c>, <c>uri</c> (when absolute), <c>email-src</c>/<c>email-dst</c>.
/// Others are counted by type. <c>to_ids</c> decides whether a match alerts (absent: it does not); deleted attributes are
/// skipped. Tags of the event and the attribute become labels; ATT&amp;CK ids in tags and galaxy clusters become techniques.
/// </remarks>
internal static class MispEventFeed
{
    public const string Format = "misp";

    private const int MaxEvents = 1_000_000;

    public static bool Recognizes(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.Object => root.TryGetProperty("Event", out _) || root.TryGetProperty("response", out _) || root.TryGetProperty("Attribute", out _)
            || root.TryGetProperty("Object", out _) || (root.TryGetProperty("info", out _) && root.TryGetProperty("threat_level_id", out _)),
        JsonValueKind.Array => root.GetArrayLength() > 0 && root[0].ValueKind == JsonValueKind.Object && root[0].TryGetProperty("Event", out _),
        _ => false,
    };

    public static void Read(JsonElement root, FeedReading reading)
    {
        var count = 0;
        foreach (var e in Events(root))
        {
            if (++count > MaxEvents) break;
            if (e.ValueKind != JsonValueKind.Object)
            {
                reading.Problem($"event {count}: not an object ({e.ValueKind})");
                continue;
            }

            ReadEvent(e, reading, count);
        }
    }

    private static IEnumerable<JsonElement> Events(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in root.EnumerateArray()) yield return Unwrap(item);
            yield break;
        }

        if (root.TryGetProperty("response", out var response))
        {
            if (response.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in response.EnumerateArray()) yield return Unwrap(item);
            }
            else
            {
                yield return Unwrap(response);
            }

            yield break;
        }

        yield return Unwrap(root);
    }

    private static JsonElement Unwrap(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Event", out var inner) ? inner : item;

    private static void ReadEvent(JsonElement e, FeedReading reading, int number)
    {
        var tags = Tags(e).ToList();
        var techniques = tags.SelectMany(Techniques.In).Concat(GalaxyTechniques(e)).ToList();
        var context = new EventContext(StixBundleFeed.Text(e, "info"), StixBundleFeed.Text(e, "uuid"), tags, techniques, Date(e, "date"), Epoch(e, "timestamp"));
        foreach (var attribute in Array(e, "Attribute")) ReadAttribute(attribute, context, reading, number);
        foreach (var o in Array(e, "Object"))
        {
            if (o.ValueKind != JsonValueKind.Object) continue;
            if (o.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True)
            {
                reading.Skip("deleted MISP object", Array(o, "Attribute").Count());
                continue;
            }

            foreach (var attribute in Array(o, "Attribute")) ReadAttribute(attribute, context with { Object = StixBundleFeed.Text(o, "name") }, reading, number);
        }
    }

    private sealed record EventContext(string? Info, string? Uuid, List<string> Tags, List<string> Techniques, DateTimeOffset? Date, DateTimeOffset? Timestamp)
    {
        public string? Object { get; init; }
    }

    private static void ReadAttribute(JsonElement a, EventContext e, FeedReading reading, int number)
    {
        if (a.ValueKind != JsonValueKind.Object || StixBundleFeed.Text(a, "type") is not { } type || !a.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.String)
        {
            reading.Problem($"event {number} ({e.Uuid ?? e.Info ?? "no uuid"}): an attribute without a string 'type' and 'value' ({Describe(a)})");
            return;
        }

        if (a.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True)
        {
            reading.Skip("deleted MISP attribute");
            return;
        }

        var raw = v.GetString()!;
        var values = Values(type, raw);
        if (values is null)
        {
            reading.Skip($"MISP attribute of type '{type}'");
            return;
        }

        var tags = e.Tags.Concat(Tags(a)).Distinct(StringComparer.Ordinal).ToList();
        var comment = StixBundleFeed.Text(a, "comment");
        var description = string.Join(" — ", new[] { e.Info, e.Object is null ? null : $"{e.Object} object", string.IsNullOrWhiteSpace(comment) ? null : comment, type.Contains('|') ? raw : null }
            .Where(s => !string.IsNullOrWhiteSpace(s)));
        var seen = Epoch(a, "timestamp") ?? e.Timestamp ?? e.Date;
        var template = new Indicator(IndicatorKind.Md5, string.Empty, reading.Feed)
        {
            Description = description.Length == 0 ? null : description,
            // MISP leaves to_ids to the type's default when absent; without it a match is not sure enough to alert.
            Alert = a.TryGetProperty("to_ids", out var ids) && (ids.ValueKind == JsonValueKind.True || (ids.ValueKind == JsonValueKind.String && ids.GetString() is "1" or "true")),
            FirstSeen = Date(a, "first_seen") ?? e.Date,
            LastSeen = Date(a, "last_seen") ?? seen,
            Labels = tags,
            Techniques = [.. e.Techniques.Concat(Tags(a).SelectMany(Techniques.In)).Distinct(StringComparer.Ordinal)],
            Reference = StixBundleFeed.Text(a, "uuid") ?? e.Uuid,
        };
        foreach (var (kind, value) in values)
        {
            if (IndicatorValues.Normalize(kind, value) is { } normal) reading.Add(template with { Kind = kind, Value = normal });
            else reading.Problem($"event {number}, attribute {StixBundleFeed.Text(a, "uuid") ?? "without uuid"}: {type} '{UrlhausCsvFeed.Clip(value)}' is not a valid {IndicatorKinds.Name(kind)}");
        }
    }

    /// <summary>The (kind, raw value) pairs an attribute of the type holds; null for a type that is not read.</summary>
    private static List<(IndicatorKind, string)>? Values(string type, string value)
    {
        static string Part(string value, int index) => value.Split('|') is var parts && parts.Length > index ? parts[index] : string.Empty;
        return type switch
        {
            "md5" => [(IndicatorKind.Md5, value)],
            "sha1" => [(IndicatorKind.Sha1, value)],
            "sha256" => [(IndicatorKind.Sha256, value)],
            "filename|md5" => [(IndicatorKind.Md5, Part(value, 1))],
            "filename|sha1" => [(IndicatorKind.Sha1, Part(value, 1))],
            "filename|sha256" => [(IndicatorKind.Sha256, Part(value, 1))],
            "domain" or "hostname" => [(IndicatorKind.Domain, value)],
            "domain|ip" => [(IndicatorKind.Domain, Part(value, 0)), (IndicatorKind.Ip, Part(value, 1))],
            "hostname|port" => [(IndicatorKind.Domain, Part(value, 0))],
            "ip-dst" or "ip-src" => [(IndicatorKind.Ip, value)],
            "ip-dst|port" or "ip-src|port" => [(IndicatorKind.Ip, Part(value, 0))],
            "url" => [(IndicatorKind.Url, value)],
            "uri" when value.Contains("://", StringComparison.Ordinal) => [(IndicatorKind.Url, value)],
            "email-src" or "email-dst" or "email" => [(IndicatorKind.Email, value)],
            _ => null,
        };
    }

    private static IEnumerable<string> Tags(JsonElement element) =>
        Array(element, "Tag").Select(t => StixBundleFeed.Text(t, "name")).OfType<string>();

    private static IEnumerable<string> GalaxyTechniques(JsonElement e)
    {
        foreach (var galaxy in Array(e, "Galaxy"))
        {
            foreach (var cluster in Array(galaxy, "GalaxyCluster"))
            {
                foreach (var text in new[] { StixBundleFeed.Text(cluster, "value"), StixBundleFeed.Text(cluster, "tag_name") }.OfType<string>())
                {
                    foreach (var id in Techniques.In(text)) yield return id;
                }

                if (cluster.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("external_id", out var ext) && ext.ValueKind == JsonValueKind.Array)
                {
                    foreach (var id in ext.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).Where(Techniques.IsTechnique)) yield return id;
                }
            }
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [];

    private static DateTimeOffset? Date(JsonElement element, string name) =>
        StixBundleFeed.Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    private static DateTimeOffset? Epoch(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        long seconds;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out seconds)) { }
        else if (value.ValueKind != JsonValueKind.String || !long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds)) return null;
        return seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
    }

    private static string Describe(JsonElement a) => a.ValueKind == JsonValueKind.Object
        ? StixBundleFeed.Text(a, "uuid") is { } uuid ? $"uuid {uuid}" : "no uuid"
        : a.ValueKind.ToString().ToLowerInvariant();
}
