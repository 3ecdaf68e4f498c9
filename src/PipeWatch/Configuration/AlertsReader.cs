using PipeWatch.Findings;
using PipeWatch.Sinks.Routing;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>Reads the <c>alerts</c> section: named routes, each a sink with its settings, a filter, a rate policy and delivery limits.</summary>
/// <remarks>A route's own keys are read here; every other key of the route belongs to its sink kind (<see cref="SinkKinds"/>), which reads and validates it.</remarks>
internal static class AlertsReader
{
    internal const int MaxRoutes = 100;

    private static readonly Setting<RatePolicy>[] ThrottleSettings =
    [
        Setting.Int<RatePolicy>("max", 1, 100_000, (p, v) => p with { ThrottleMax = v }),
        new("window", (reader, node, at, p) => Window(reader, node, at) is { } window ? p with { ThrottleWindow = window } : p) { Schema = Setting.DurationSchema },
    ];

    // The route's own keys (besides name and sink); the rest of the mapping is the sink's.
    internal static readonly Setting<AlertRoute>[] RouteSettings =
    [
        Setting.Strings<AlertRoute>("categories", (r, v) => r with { Filter = r.Filter with { Categories = v } }),
        new("min-severity", (reader, node, at, r) =>
        {
            if (reader.String(node, at) is not { } text) return r;
            if (SeverityNames.TryParse(text, out var severity)) return r with { Filter = r.Filter with { MinimumSeverity = severity } };
            reader.Problem(node, $"{at}: expected info, low, medium, high or critical, got '{text}'");
            return r;
        }) { Schema = """{"enum":["info","low","medium","high","critical"]}""" },
        Setting.Strings<AlertRoute>("repositories", (r, v) => r with { Filter = r.Filter with { Repositories = v } }),
        Setting.Strings<AlertRoute>("rules", (r, v) => r with { Filter = r.Filter with { Rules = v } }),
        Setting.Bool<AlertRoute>("incident-only", (r, v) => r with { Filter = r.Filter with { IncidentOnly = v } }),
        new("throttle", (reader, node, at, r) => r with { Rate = reader.Section(node, at, r.Rate, ThrottleSettings) })
        {
            Schema = """{"type":"object","properties":{"max":{"type":"integer","minimum":1,"maximum":100000},"window":{"type":["string","number"]}},"additionalProperties":false}""",
        },
        new("digest", (reader, node, at, r) => Window(reader, node, at) is { } window ? r with { Rate = r.Rate with { Digest = window } } : r) { Schema = Setting.DurationSchema },
        new("group", (reader, node, at, r) =>
        {
            var text = reader.String(node, at);
            if (text is "incident") return r with { Rate = r.Rate with { GroupByIncident = true } };
            if (text is "none") return r with { Rate = r.Rate with { GroupByIncident = false } };
            if (text is not null) reader.Problem(node, $"{at}: expected incident or none, got '{text}'");
            return r;
        }) { Schema = """{"enum":["incident","none"]}""" },
        new("group-window", (reader, node, at, r) => Window(reader, node, at) is { } window ? r with { Rate = r.Rate with { GroupWindow = window } } : r) { Schema = Setting.DurationSchema },
        new("timeout", (reader, node, at, r) =>
            reader.Duration(node, at) is { } timeout && Check(reader, node, at, timeout >= TimeSpan.FromMilliseconds(100) && timeout <= TimeSpan.FromMinutes(5), "from 100ms to 5m")
                ? r with { Timeout = timeout }
                : r),
        Setting.Int<AlertRoute>("max-attempts", 1, 20, (r, v) => r with { MaxAttempts = v }),
    ];

    private static readonly HashSet<string> OwnKeys = ["name", "sink", .. RouteSettings.Select(s => s.Key)];

    public static AlertsOptions Read(YamlConfigReader reader, YamlNode node, string at)
    {
        if (!reader.IsMapping(node, at, out var alerts)) return AlertsOptions.None;
        var routes = new List<AlertRoute>();
        foreach (var (key, value) in reader.Entries(alerts))
        {
            if (key != "routes")
            {
                reader.Unknown(value, $"{at}.{key}", "routes");
                continue;
            }

            routes = reader.MappingList(value, $"{at}.routes", "expected a list of routes", (item, mapping, path) => Route(reader, item, mapping, path));
        }

        if (routes.Count > MaxRoutes) reader.Problem(node, $"{at}.routes: at most {MaxRoutes} routes");
        foreach (var duplicate in routes.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            reader.Problem(node, $"{at}.routes: the name '{duplicate.Key}' is used by {duplicate.Count()} routes; names must be unique");
        }

        return new AlertsOptions { Routes = routes };
    }

    private static AlertRoute? Route(YamlConfigReader reader, YamlNode item, YamlMappingNode mapping, string path)
    {
        string? name = null;
        string? sink = null;
        YamlNode nameNode = item, sinkNode = item;
        foreach (var (key, value) in reader.Entries(mapping))
        {
            if (key == "name") (name, nameNode) = (reader.String(value, $"{path}.name"), value);
            if (key == "sink") (sink, sinkNode) = (reader.String(value, $"{path}.sink"), value);
        }

        if (name is null) reader.Problem(item, $"{path}: a route needs a 'name'");
        else if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) reader.Problem(nameNode, $"{path}.name: '{name}' may hold only letters, digits, '-', '_' and '.'");
        var kind = sink is null ? null : SinkKinds.Find(sink);
        if (sink is null) reader.Problem(item, $"{path}: a route needs a 'sink' (one of {string.Join(", ", SinkKinds.All.Select(k => k.Id))})");
        else if (kind is null) reader.Problem(sinkNode, $"{path}.sink: unknown sink '{sink}' (expected one of {string.Join(", ", SinkKinds.All.Select(k => k.Id))})");
        if (name is null || kind is null) return null;

        var own = new YamlMappingNode();
        foreach (var pair in mapping.Children.Where(p => OwnKeys.Contains(YamlConfigReader.Key(p.Key)) && YamlConfigReader.Key(p.Key) is not ("name" or "sink")))
        {
            own.Children.Add(pair.Key, pair.Value);
        }

        var settings = kind.Read(reader, AlertSetting.Without(mapping, OwnKeys), item, path);
        var initial = new AlertRoute(name, kind.Id, settings) { Transport = kind.Create, Batching = kind.Batching };
        var route = reader.Section(own, path, null, initial, null, RouteSettings);
        if (route.Rate.Digest is not null && route.Rate.ThrottleMax is not null)
        {
            reader.Problem(item, $"{path}: a route has either a throttle or a digest, not both");
        }

        return route;
    }

    private static TimeSpan? Window(YamlConfigReader reader, YamlNode node, string at) =>
        reader.Duration(node, at) is { } window && Check(reader, node, at, window >= TimeSpan.FromSeconds(1) && window <= TimeSpan.FromDays(1), "from 1s to 1d")
            ? window
            : null;

    private static bool Check(YamlConfigReader reader, YamlNode node, string at, bool ok, string range)
    {
        if (!ok) reader.Problem(node, $"{at}: expected a duration {range}");
        return ok;
    }
}
