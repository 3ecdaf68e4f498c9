using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;
using PipeWatch.Store;

namespace PipeWatch.Sinks.Routing;

/// <summary>What a route's sink is built with: the clock, the environment its secrets come from, the problem reporter, the delivery log.</summary>
/// <param name="Environment">Reads an environment variable, for <c>${env:NAME}</c> in settings.</param>
/// <param name="Version">PipeWatch's version, for the formats that carry it (CEF, OCSF, User-Agent).</param>
/// <param name="PublicUrl">The dashboard's address (<c>serve.public-url</c>) for links in chat messages; null for none.</param>
/// <param name="Log">Where outcomes and dead letters are recorded; null without a store.</param>
/// <param name="WorkingDirectory">Where relative file paths (an OCSF file) resolve.</param>
public sealed partial record RouteContext(
    TimeProvider Time,
    Func<string, string?> Environment,
    IProblemReporter Problems,
    string Version,
    string? PublicUrl = null,
    IDeliveryLog? Log = null,
    string? WorkingDirectory = null)
{
    /// <summary>The setting's value with each <c>${env:NAME}</c> replaced by that variable.</summary>
    /// <exception cref="RouteException">A variable it names is not set (the message names the route, the key and the variable, never a value).</exception>
    public string Resolve(string value, string route, string key)
    {
        ArgumentNullException.ThrowIfNull(value);
        return EnvReference().Replace(value, match =>
        {
            var name = match.Groups[1].Value;
            var found = Environment(name);
            return string.IsNullOrEmpty(found)
                ? throw new RouteException($"alerts route '{route}': {key} names the environment variable {name}, which is not set")
                : found;
        });
    }

    /// <summary>A setting that may be absent, resolved as <see cref="Resolve"/>.</summary>
    public string? ResolveOptional(string? value, string route, string key) => value is null ? null : Resolve(value, route, key);

    [GeneratedRegex(@"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex EnvReference();
}

/// <summary>A route that cannot be built from its settings (a missing environment variable, an unreadable file): a usage error naming the route and key.</summary>
public sealed class RouteException(string message) : Exception(message);
