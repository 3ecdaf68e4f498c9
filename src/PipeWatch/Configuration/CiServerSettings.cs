using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>A CI server or runner fleet whose installed versions are read through its API into the inventory (an entry of <c>serve.ci-servers</c>).</summary>
/// <param name="Kind"><c>jenkins</c>, <c>gitlab</c> or <c>github</c> (self-hosted runners).</param>
/// <param name="Url">Jenkins' or GitLab's root URL; for <c>github</c> the REST API, null for <c>serve.github-api-url</c>.</param>
/// <param name="Scope">For <c>github</c>: <c>orgs/ORG</c> or <c>repos/OWNER/NAME</c>; null otherwise.</param>
/// <param name="User">For Jenkins: the user the API token belongs to (basic authentication).</param>
/// <param name="Token">The token as written, always <c>${env:NAME}</c>; null: anonymous.</param>
/// <param name="Interval">Time between polls in <c>serve</c>.</param>
public sealed record CiServerPoll(string Kind, string? Url, string? Scope, string? User, string? Token, TimeSpan Interval)
{
    /// <summary>How problems and the output name it: the server's URL, or <c>github:orgs/acme</c>.</summary>
    public string Name => Kind == "github" ? $"github:{Scope}" : Url ?? "";
}

/// <summary>Reads one entry of <c>serve.ci-servers</c>; a token written in the file is refused (only <c>${env:NAME}</c>).</summary>
internal static partial class CiServerSettings
{
    private const string Keys = "jenkins, gitlab, github-organization, github-repository, api-url, user, token, interval";

    public static CiServerPoll? Read(YamlConfigReader reader, YamlMappingNode mapping, string at)
    {
        string? kind = null, url = null, scope = null, user = null, token = null;
        var interval = TimeSpan.FromHours(1);
        var sources = 0;
        foreach (var (key, value) in reader.Entries(mapping))
        {
            var where = $"{at}.{key}";
            switch (key)
            {
                case "jenkins" or "gitlab": sources++; (kind, url) = (key, Url(reader, value, where)); break;
                case "github-organization": sources++; (kind, scope) = ("github", Name(reader, value, where, false) is { } org ? $"orgs/{org}" : null); break;
                case "github-repository": sources++; (kind, scope) = ("github", Name(reader, value, where, true) is { } repo ? $"repos/{repo}" : null); break;
                case "api-url": url = Url(reader, value, where); break;
                case "user": user = reader.String(value, where); break;
                case "token": token = Token(reader, value, where); break;
                case "interval": interval = reader.Duration(value, where) is { } d ? (d < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : d) : interval; break;
                default: reader.Unknown(value, where, Keys); break;
            }
        }

        if (sources != 1)
        {
            reader.Problem(mapping, $"{at}: give exactly one of jenkins: URL, gitlab: URL, github-organization: ORG, github-repository: OWNER/NAME");
            return null;
        }

        if (kind is null || (kind != "github" && url is null) || (kind == "github" && scope is null)) return null;
        if (user is not null && kind != "jenkins") reader.Problem(mapping, $"{at}.user: only Jenkins takes a user (its API token is the password)");
        return new CiServerPoll(kind, url, scope, user, token, interval);
    }

    private static string? Url(YamlConfigReader reader, YamlNode node, string at)
    {
        if (reader.String(node, at) is not { } text) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0 && uri.Query.Length == 0) return text.TrimEnd('/');
        reader.Problem(node, $"{at}: expected an http(s) URL without credentials or query, got '{text}'");
        return null;
    }

    private static string? Name(YamlConfigReader reader, YamlNode node, string at, bool repository)
    {
        if (reader.String(node, at) is not { } text) return null;
        if ((repository ? RepositoryName() : OrganizationName()).IsMatch(text)) return text;
        reader.Problem(node, $"{at}: expected {(repository ? "OWNER/NAME" : "an organization name")}, got '{text}'");
        return null;
    }

    // Tokens come from the environment only: a value written in pipewatch.yml would sit in a file people commit.
    private static string? Token(YamlConfigReader reader, YamlNode node, string at)
    {
        if (reader.String(node, at) is not { } text) return null;
        if (EnvReference().IsMatch(text)) return text;
        reader.Problem(node, $"{at}: give the token as ${{env:NAME}} (a token written in pipewatch.yml is refused)");
        return null;
    }

    [GeneratedRegex(@"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$", RegexOptions.CultureInvariant)]
    internal static partial Regex EnvReference();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", RegexOptions.CultureInvariant)]
    private static partial Regex OrganizationName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryName();
}
