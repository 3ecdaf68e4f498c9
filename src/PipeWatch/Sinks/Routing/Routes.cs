namespace PipeWatch.Sinks.Routing;

/// <summary>Checks shared by the sinks' settings once resolved.</summary>
public static class Routes
{
    /// <summary>An absolute http(s) URL; the message names the route and key but never the value (it may hold a token).</summary>
    public static Uri HttpUrl(string value, string route, string key) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new RouteException($"alerts route '{route}': {key} is not an absolute http or https URL");
}
