using PipeWatch.Configuration;
using System.Text.RegularExpressions;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors.Secrets;

/// <summary>Settings of <c>secrets.hardcoded</c> (<c>detectors.secrets.hardcoded</c> in pipewatch.yml): what not to report.</summary>
internal sealed record HardcodedSecretOptions
{
    /// <summary>Globs of file paths never scanned (<c>**/testdata/**</c>, <c>*.lock</c>); a glob without <c>/</c> matches the file name anywhere.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Regexes: a secret one of them matches is not reported (placeholders, documented example keys).</summary>
    public IReadOnlyList<Regex> Regexes { get; init; } = [];

    /// <summary>Words (compared ignoring case): a secret containing one is not reported.</summary>
    public IReadOnlyList<string> Stopwords { get; init; } = [];

    /// <summary>The settings as a secret allowlist.</summary>
    public SecretAllowlist ToAllowlist() => new()
    {
        Description = "pipewatch.yml detectors.secrets.hardcoded",
        Paths = [.. Paths.Select(PathGlob.ToRegex)],
        Regexes = Regexes,
        Stopwords = Stopwords,
    };

    /// <summary>Its <c>detectors.secrets.hardcoded</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<HardcodedSecretOptions>(
        "secrets.hardcoded",
        [
            Setting.Strings<HardcodedSecretOptions>("paths", (o, v) => o with { Paths = v }),
            new("regexes", (reader, node, at, o) => o with { Regexes = reader.Regexes(node, at) }),
            Setting.Strings<HardcodedSecretOptions>("stopwords", (o, v) => o with { Stopwords = v }),
        ]);
}
