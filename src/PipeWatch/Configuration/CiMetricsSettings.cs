using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>A CI server's own Prometheus endpoint that <c>serve</c> scrapes on an interval (an entry of <c>serve.ci-metrics</c>).</summary>
/// <param name="Name">The server as findings and baselines name it (as <c>ingest NAME.prom</c> does), by default the URL's host and port.</param>
/// <param name="Url">Jenkins' <c>/prometheus/</c> or GitLab Runner's <c>:9252/metrics</c>: http(s), without credentials.</param>
/// <param name="User">With a token: the user of HTTP basic authentication (Jenkins' user and API token); null: the token is a bearer token.</param>
/// <param name="Token">The token as written, always <c>${env:NAME}</c>; null: anonymous.</param>
/// <param name="Interval">Time between scrapes.</param>
/// <param name="Timeout">How long one scrape may take, answer included.</param>
public sealed record CiMetricsScrape(string Name, string Url, string? User, string? Token, TimeSpan Interval, TimeSpan Timeout);

/// <summary>Reads one entry of <c>serve.ci-metrics</c>; a token written in the file is refused (only <c>${env:NAME}</c>).</summary>
internal static partial class CiMetricsSettings
{
    private const string Keys = "url, name, user, token, interval, timeout";

    public static CiMetricsScrape? Read(YamlConfigReader reader, YamlMappingNode mapping, string at)
    {
        string? name = null, url = null, user = null, token = null;
        var hasUrl = false;
        var interval = TimeSpan.FromMinutes(1);
        var timeout = TimeSpan.FromSeconds(10);
        foreach (var (key, value) in reader.Entries(mapping))
        {
            var where = $"{at}.{key}";
            switch (key)
            {
                case "url": hasUrl = true; url = Url(reader, value, where); break;
                case "name": name = Name(reader, value, where); break;
                case "user": user = reader.String(value, where); break;
                case "token": token = Token(reader, value, where); break;
                case "interval": interval = Bounded(reader, value, where, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "1s to 1d") ?? interval; break;
                case "timeout": timeout = Bounded(reader, value, where, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), "1s to 5m") ?? timeout; break;
                default: reader.Unknown(value, where, Keys); break;
            }
        }

        if (url is null)
        {
            if (!hasUrl) reader.Problem(mapping, $"{at}: 'url' is required (Jenkins' https://HOST/prometheus/, GitLab Runner's http://HOST:9252/metrics)");
            return null;
        }

        if (user is not null && token is null) reader.Problem(mapping, $"{at}.user: a user needs a token (${{env:NAME}})");
        var uri = new Uri(url);
        return new CiMetricsScrape(name ?? (uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}"), url, user, token, interval, timeout);
    }

    private static string? Url(YamlConfigReader reader, YamlNode node, string at)
    {
        if (reader.String(node, at) is not { } text) return null;
        var valid = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
        if (valid && uri!.UserInfo.Length == 0) return text;
        // Credentials in the URL are not repeated in the message.
        reader.Problem(node, valid
            ? $"{at}: the URL holds credentials (not shown); give a token as token: ${{env:NAME}}"
            : $"{at}: expected an http(s) URL, got '{Shown(text)}'");
        return null;
    }

    private static string? Name(YamlConfigReader reader, YamlNode node, string at)
    {
        if (reader.String(node, at) is not { } text) return null;
        if (ServerName().IsMatch(text)) return text;
        reader.Problem(node, $"{at}: expected a name of 1 to 100 letters, digits and '-._:', got '{Shown(text)}'");
        return null;
    }

    // Tokens come from the environment only: a value written in pipewatch.yml would sit in a file people commit.
    private static string? Token(YamlConfigReader reader, YamlNode node, string at)
    {
        if (reader.String(node, at) is not { } text) return null;
        if (CiServerSettings.EnvReference().IsMatch(text)) return text;
        reader.Problem(node, $"{at}: give the token as ${{env:NAME}} (a token written in pipewatch.yml is refused)");
        return null;
    }

    private static TimeSpan? Bounded(YamlConfigReader reader, YamlNode node, string at, TimeSpan least, TimeSpan most, string range)
    {
        if (reader.Duration(node, at) is not { } value) return null;
        if (value >= least && value <= most) return value;
        reader.Problem(node, $"{at}: expected a duration from {range}");
        return null;
    }

    // A refused value is shown, but never a long one: it may be a pasted secret.
    private static string Shown(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex ServerName();
}
