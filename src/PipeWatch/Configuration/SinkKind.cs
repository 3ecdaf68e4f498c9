using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>One kind of alert sink as pipewatch.yml names it (<c>sink: slack</c>): its settings, which of them are required, and how its transport is made.</summary>
internal abstract class SinkKind(string id, BatchingSinkOptions batching)
{
    public string Id => id;

    /// <summary>How this kind batches by default (a route's timeout, attempts and digest override parts of it).</summary>
    public BatchingSinkOptions Batching => batching;

    /// <summary>The keys of the sink's own settings, for "expected one of".</summary>
    public abstract IEnumerable<string> Keys { get; }

    /// <summary>The sink's own keys with each value's JSON Schema (null: any) and the keys it requires, for docs/schemas/pipewatch.schema.json.</summary>
    public abstract (IReadOnlyList<(string Key, string? Schema)> Keys, IReadOnlyList<string> Required) Schema { get; }

    /// <summary>Reads the sink's settings from <paramref name="settings"/> (only the keys that are not the route's own); problems go to the reader.</summary>
    public abstract object Read(YamlConfigReader reader, YamlMappingNode settings, YamlNode route, string at);

    /// <summary>Makes the transport of route <paramref name="route"/> from settings read by <see cref="Read"/>.</summary>
    /// <exception cref="RouteException">The settings cannot be resolved (a missing environment variable).</exception>
    public abstract IAlertTransport Create(AlertRoute route, RouteContext context);
}

/// <summary>A sink kind whose settings are the record <typeparamref name="TOptions"/>.</summary>
/// <param name="required">The keys that must be given, each with how to tell it is missing.</param>
internal sealed class SinkKind<TOptions>(
    string id,
    IReadOnlyList<Setting<TOptions>> settings,
    IReadOnlyList<(string Key, Func<TOptions, bool> IsMissing)> required,
    Func<TOptions, AlertRoute, RouteContext, IAlertTransport> create,
    BatchingSinkOptions batching,
    Func<TOptions, string?>? validate = null) : SinkKind(id, batching)
    where TOptions : new()
{
    public override IEnumerable<string> Keys => settings.Select(s => s.Label);

    public override (IReadOnlyList<(string Key, string? Schema)> Keys, IReadOnlyList<string> Required) Schema =>
        ([.. settings.Select(s => (s.Key, s.Schema))], [.. required.Select(r => r.Key)]);

    public override object Read(YamlConfigReader reader, YamlMappingNode mapping, YamlNode route, string at)
    {
        var options = reader.Section(mapping, at, null, new TOptions(), null, settings);
        foreach (var (key, isMissing) in required.Where(r => r.IsMissing(options)))
        {
            reader.Problem(route, $"{at}: sink '{Id}' needs '{key}'");
        }

        if (validate?.Invoke(options) is { } problem) reader.Problem(route, $"{at}: {problem}");
        return options!;
    }

    public override IAlertTransport Create(AlertRoute route, RouteContext context) => create((TOptions)route.Settings, route, context);
}
