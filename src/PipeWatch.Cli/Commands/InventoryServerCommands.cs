using System.CommandLine;
using System.Text.RegularExpressions;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;

namespace PipeWatch.Cli.Commands;

/// <summary>
/// <c>pipewatch inventory jenkins URL</c> and <c>inventory gitlab URL</c>: one server read once, as <c>inventory poll</c> reads the
/// configured ones, without an entry in pipewatch.yml. The token comes from an environment variable or a file, never from the command line.
/// </summary>
internal static partial class InventoryServerCommands
{
    /// <summary>The name a token read from <c>--token-file</c> is handed to the poller under (never a real variable).</summary>
    private const string FileToken = "PIPEWATCH_INVENTORY_TOKEN_FROM_FILE";

    /// <summary>A token file is a few hundred bytes; anything bigger is not one.</summary>
    private const long MaxTokenFile = 64 * 1024;

    private const string ExitHelp =
        "Exit codes: 0 done; 1 new findings; 2 bad usage, an unreadable token file, a token variable that is not set, or a server that could not be read (each named on stderr); 3 an internal error.";

    public static Command Jenkins(CliHost host)
    {
        var user = new Option<string?>("--user") { Description = "The Jenkins user the API token belongs to (basic authentication; without it, anonymous).", HelpName = "NAME" };
        return Create(host, "jenkins", "PIPEWATCH_JENKINS_TOKEN", user,
            "Read one Jenkins once through its API (the version from the X-Jenkins header, the plugins from /pluginManager/api/json?depth=1) into the inventory, "
            + "as 'inventory poll' does for serve.ci-servers; each component an imported advisory covers is one vulnerability.ci-infrastructure finding (printed, stored once, "
            + "and sent through the alert routes). The API token is read from --token-env (default $PIPEWATCH_JENKINS_TOKEN) or --token-file, never from the command line. ");
    }

    public static Command GitLab(CliHost host) =>
        Create(host, "gitlab", "PIPEWATCH_GITLAB_TOKEN", null,
            "Read one GitLab once through its API (/api/v4/version, every runner with the versions its managers run) into the inventory, as 'inventory poll' does for "
            + "serve.ci-servers; each component an imported advisory covers is one vulnerability.ci-infrastructure finding (printed, stored once, and sent through the alert routes). "
            + "The token (PRIVATE-TOKEN; an administrator or auditor's, read_api, to list every runner) is read from --token-env (default $PIPEWATCH_GITLAB_TOKEN) or --token-file, never from the command line. ");

    private static Command Create(CliHost host, string kind, string defaultVariable, Option<string?>? user, string description)
    {
        var url = new Argument<string>("URL") { Description = $"The {(kind == "jenkins" ? "Jenkins" : "GitLab")} server's base URL (http or https, without credentials or query)." };
        var tokenEnv = new Option<string?>("--token-env")
        {
            Description = $"The environment variable holding the token (default: {defaultVariable}; when that is not set either, the server is read anonymously).",
            HelpName = "NAME",
        };
        var tokenFile = new Option<string?>("--token-file") { Description = "A file holding the token (its first line; e.g. a mounted secret).", HelpName = "PATH" };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        config.Description = "The config whose alert routes the findings go through (default: pipewatch.yml in the working directory, when present).";
        var command = new Command(kind, description + ExitHelp) { url, tokenEnv, tokenFile, store, config };
        if (user is not null) command.Options.Add(user);
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(url) ?? "";
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0 || uri.Query.Length > 0)
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: URL: expected an http(s) URL without credentials or query, got '{text}'"));
                return ExitCodes.Usage;
            }

            if (await ResolveTokenAsync(host, parse.GetValue(tokenEnv), parse.GetValue(tokenFile), defaultVariable) is not { } token) return ExitCodes.Usage;
            if (await CommonOptions.LoadConfigAsync(host, parse.GetValue(config)) is not { } loaded) return ExitCodes.Usage;
            var server = new CiServerPoll(kind, text.TrimEnd('/'), null, user is null ? null : parse.GetValue(user), token.Reference, TimeSpan.FromHours(1));
            Func<string, string?> environment = token.FromFile is { } secret ? name => name == FileToken ? secret : host.Environment(name) : host.Environment;
            return await InventoryPolling.PollAsync(host, loaded, [server], parse.GetValue(store), environment, ct);
        });
        return command;
    }

    /// <summary>The token as the poller takes it (<c>${env:NAME}</c>, or none: anonymous), with a file's content; null after saying why on stderr.</summary>
    private static async Task<(string? Reference, string? FromFile)?> ResolveTokenAsync(CliHost host, string? variable, string? file, string defaultVariable)
    {
        if (variable is not null && file is not null)
        {
            await host.Error.WriteLineAsync("pipewatch: give --token-env or --token-file, not both");
            return null;
        }

        if (variable is not null)
        {
            if (VariableName().IsMatch(variable)) return ($"${{env:{variable}}}", null);
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-env: '{variable}' is not an environment variable name"));
            return null;
        }

        if (file is null) return (string.IsNullOrEmpty(host.Environment(defaultVariable)) ? null : $"${{env:{defaultVariable}}}", null);
        var path = host.Resolve(file);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-file {host.Display(path)}: no such file"));
                return null;
            }

            if (info.Length > MaxTokenFile)
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --token-file {host.Display(path)}: {info.Length:N0} bytes is not a token (at most {MaxTokenFile:N0})"));
                return null;
            }

            var token = (await File.ReadAllTextAsync(path)).Split('\n', 2)[0].Trim();
            if (token.Length > 0) return ($"${{env:{FileToken}}}", token);
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
}
