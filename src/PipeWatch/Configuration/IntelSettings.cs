using PipeWatch.Intel;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>The keys of the <c>intel</c> section: <c>feeds</c>, each with <c>url</c> or <c>path</c>, <c>name</c>, <c>format</c>, <c>refresh</c>, <c>lifetime</c>, <c>auth-header</c>.</summary>
internal static class IntelSettings
{
    public static IReadOnlyList<Setting<IntelOptions>> All { get; } =
    [
        new("feeds", (reader, node, at, o) => o with { Feeds = reader.MappingList(node, at, "expected a list of feeds", (_, m, path) => Feed(reader, m, path)) }),
    ];

    private static IntelFeedSource? Feed(YamlConfigReader reader, YamlMappingNode mapping, string at)
    {
        string? url = null, path = null, name = null, format = null, auth = null;
        var refresh = IntelFeedSource.DefaultRefresh;
        var lifetime = IntelFeedSource.DefaultLifetime;
        foreach (var (key, value) in reader.Entries(mapping))
        {
            var where = $"{at}.{key}";
            switch (key)
            {
                case "url": url = Url(reader, value, where); break;
                case "path": path = reader.String(value, where); break;
                case "name": name = reader.String(value, where); break;
                case "format":
                    format = reader.String(value, where);
                    if (format is not null && !IntelFeeds.Formats.Contains(format))
                    {
                        reader.Problem(value, $"{where}: unknown format '{format}' (expected one of: {string.Join(", ", IntelFeeds.Formats)})");
                        format = null;
                    }

                    break;
                case "refresh":
                    if (reader.Duration(value, where) is { } every)
                    {
                        if (every >= IntelFeedSource.MinimumRefresh) refresh = every;
                        else reader.Problem(value, $"{where}: at least 1m, so that a feed's server is not hammered");
                    }

                    break;
                case "lifetime": lifetime = reader.Duration(value, where) ?? lifetime; break;
                case "auth-header":
                    auth = reader.String(value, where);
                    if (auth is not null && auth.IndexOf(':', StringComparison.Ordinal) <= 0)
                    {
                        // The value may be a secret: the problem names the key, never the value.
                        reader.Problem(value, $"{where}: expected 'Name: value' (e.g. 'Authorization: Bearer ${{env:TAXII_TOKEN}}')");
                        auth = null;
                    }

                    break;
                default: reader.Unknown(value, where, "url, path, name, format, refresh, lifetime, auth-header"); break;
            }
        }

        if ((url is null) == (path is null))
        {
            reader.Problem(mapping, $"{at}: give one of 'url' (http or https) or 'path'");
            return null;
        }

        // A path resolves against the config file's folder, as the serve section's local repositories do.
        var source = url ?? Path.GetFullPath(path!, Path.GetDirectoryName(Path.GetFullPath(reader.File)) ?? Directory.GetCurrentDirectory());
        return new IntelFeedSource(source, name ?? IntelFeeds.DefaultName(source), format, refresh, lifetime, auth);
    }

    private static string? Url(YamlConfigReader reader, YamlNode node, string at)
    {
        var text = reader.String(node, at);
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return text;
        reader.Problem(node, $"{at}: expected an http(s) URL, got '{text}'");
        return null;
    }
}
