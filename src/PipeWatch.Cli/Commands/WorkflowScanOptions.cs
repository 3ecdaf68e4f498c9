using System.CommandLine;
using System.Text.RegularExpressions;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Detectors.CodeChange;

namespace PipeWatch.Cli.Commands;

/// <summary>
/// <c>scan</c>'s options for the CI-definition checks: <c>--persona</c> (the level, over pipewatch.yml's) and <c>--online</c> (the checks
/// that ask GitHub, with a token from the environment or a file, never from the command line).
/// </summary>
internal sealed partial class WorkflowScanOptions
{
    /// <summary>Where the token is read from unless <c>--token-env</c> or <c>--token-file</c> says otherwise (set in every GitHub Actions job).</summary>
    public const string DefaultTokenVariable = "GITHUB_TOKEN";

    private const long MaxTokenFile = 64 * 1024;

    public Option<string?> Persona { get; } = new Option<string?>("--persona")
    {
        Description = "The level of the CI-definition checks, over pipewatch.yml's detectors.code-change.pipeline-tampering.level: " +
            "'regular' reports weaknesses an attacker can use; 'pedantic' also hygiene (a checkout keeping its token, a SHA no release tag points to).",
        HelpName = "LEVEL",
    }.AcceptOnlyFromAmongIgnoringCase([.. WorkflowChecks.Levels]);

    public Option<bool> Online { get; } = new("--online")
    {
        Description = "Also ask GitHub's REST API (pipewatch.yml's serve.github-api-url, default https://api.github.com) about every " +
            "'uses: owner/repo@ref' the scan sees: impostor commits (a SHA on no branch or tag of the repository), refs that are both a branch " +
            $"and a tag, version comments naming another commit. Needs a token: ${DefaultTokenVariable}, or --token-env / --token-file.",
    };

    public Option<string?> TokenEnv { get; } = new("--token-env")
    {
        Description = $"With --online: the environment variable holding the GitHub token (default: {DefaultTokenVariable}).",
        HelpName = "NAME",
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "With --online: a file holding the GitHub token (its first line; e.g. a mounted secret).",
        HelpName = "PATH",
    };

    public IEnumerable<Option> All => [Persona, Online, TokenEnv, TokenFile];

    /// <summary>What the command line asked for.</summary>
    public Request Read(ParseResult parse) =>
        new(parse.GetValue(Persona)?.ToLowerInvariant(), parse.GetValue(Online), parse.GetValue(TokenEnv), parse.GetValue(TokenFile));

    /// <summary>The config with the persona applied, and the online checks when asked for; null after saying on stderr what is wrong.</summary>
    public static async Task<(PipeWatchConfig Config, OnlineWorkflowChecks? Online)?> PrepareAsync(CliHost host, Request request, PipeWatchConfig config)
    {
        if (request.Persona is { } persona) config = WorkflowChecks.WithLevel(config, persona);
        if (!request.Online)
        {
            if (request.TokenEnv is null && request.TokenFile is null) return (config, null);
            await host.Error.WriteLineAsync("pipewatch: --token-env and --token-file are for --online");
            return null;
        }

        var api = config.Serve.GitHubApiUrl;
        if (!Uri.TryCreate(api, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback) || uri.UserInfo.Length > 0)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --online: serve.github-api-url must be https (or http to a loopback address), got '{api}'"));
            return null;
        }

        return await TokenAsync(host, request) is { } token ? (config, new OnlineWorkflowChecks(api, token)) : null;
    }

    private static async Task<string?> TokenAsync(CliHost host, Request request)
    {
        if (request.TokenEnv is not null && request.TokenFile is not null)
        {
            await host.Error.WriteLineAsync("pipewatch: give --token-env or --token-file, not both");
            return null;
        }

        if (request.TokenFile is null)
        {
            var variable = request.TokenEnv ?? DefaultTokenVariable;
            if (!VariableName().IsMatch(variable))
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-env: '{variable}' is not an environment variable name"));
                return null;
            }

            if (host.Environment(variable)?.Trim() is { Length: > 0 } value) return value;
            await host.Error.WriteLineAsync($"pipewatch: --online needs a GitHub token: ${variable} is not set (or give --token-file)");
            return null;
        }

        var path = host.Resolve(request.TokenFile);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxTokenFile)
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-file {host.Display(path)}: {(info.Exists ? $"{info.Length:N0} bytes is not a token" : "no such file")}"));
                return null;
            }

            if ((await File.ReadAllTextAsync(path)).Split('\n', 2)[0].Trim() is { Length: > 0 } token) return token;
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-file {host.Display(path)}: the file is empty"));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-file {host.Display(path)}: {ex.Message}"));
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    /// <summary>The options as given.</summary>
    internal sealed record Request(string? Persona, bool Online, string? TokenEnv, string? TokenFile);
}
