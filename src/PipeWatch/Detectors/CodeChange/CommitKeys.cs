using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Events;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>What the commit detectors share: bot identities, globs, path globs, local times.</summary>
internal static partial class CommitKeys
{
    /// <summary>A machine identity: a <c>[bot]</c> name or login, a known automation address, or one of the configured globs.</summary>
    public static bool IsBot(CommitPerson person, IReadOnlyList<Regex> bots)
    {
        foreach (var value in new[] { person.Login, person.Name, person.Email })
        {
            if (value is null) continue;
            if (value.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase) || value.Contains("[bot]@", StringComparison.OrdinalIgnoreCase)) return true;
            if (KnownBot().IsMatch(value) || bots.Any(b => b.IsMatch(value))) return true;
        }

        return false;
    }

    public static IReadOnlyList<Regex> Globs(IEnumerable<string> patterns) => [.. patterns.Select(DeploymentKeys.Glob)];

    /// <summary>A path glob: <c>*</c> within a folder, <c>**</c> across folders, a trailing <c>/</c> for everything below.</summary>
    public static Regex PathGlob(string pattern)
    {
        var anchored = pattern.StartsWith('/') || pattern.TrimEnd('/').Contains('/');
        var body = Regex.Escape(pattern.Trim('/'))
            .Replace(@"\*\*", "\u0001", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal)
            .Replace("\u0001", ".*", StringComparison.Ordinal);
        return new Regex((anchored ? "^" : "^(?:.*/)?") + body + "(?:/.*)?$", RegexOptions.CultureInvariant);
    }

    /// <summary>The clock time the person saw: the time in their own UTC offset, as a UTC-kind value for hour-of-week buckets.</summary>
    public static DateTimeOffset Local(DateTimeOffset when) => new(when.DateTime, TimeSpan.Zero);

    public static string Offset(TimeSpan offset) =>
        string.Create(CultureInfo.InvariantCulture, $"UTC{(offset < TimeSpan.Zero ? "-" : "+")}{offset.Duration():hh\\:mm}");

    [GeneratedRegex(@"^(?:dependabot|renovate|github-actions|snyk-bot|greenkeeper|mergify|pre-commit-ci|allcontributors|semantic-release-bot)\b|^noreply@github\.com$|^actions@github\.com$|\bbot@", RegexOptions.IgnoreCase)]
    private static partial Regex KnownBot();
}
