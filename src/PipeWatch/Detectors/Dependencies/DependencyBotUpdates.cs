using System.Text.RegularExpressions;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Recognises a dependency-update bot's commit (Dependabot, Renovate) that moves the version of packages a file already had.</summary>
/// <remarks>
/// Such a commit changes the lockfile alone when the bumped package is transitive, and a bump brings the new version's own
/// dependencies with it: for the packages it pulls in, "manifest unchanged" and "new package in a patch bump" are what a bot
/// update looks like, not a sign. What a name says (a typosquat) and what the estate says still count: a bot can be imitated
/// by anyone who sets their git author name.
/// </remarks>
internal static partial class DependencyBotUpdates
{
    /// <summary>True when <paramref name="commit"/> is by an update bot and <paramref name="change"/> moves at least one existing package to another version.</summary>
    public static bool IsVersionMove(GitCommit commit, FileDependencyChange change)
    {
        return IsUpdateBot(commit.Author) && change.NewVersions.Any(d => change.HadName(d));
    }

    private static bool IsUpdateBot(GitIdentity person) => UpdateBot().IsMatch(person.Name) || UpdateBot().IsMatch(person.Email);

    // dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>, renovate[bot] <29139614+renovate[bot]@…>, Renovate Bot <bot@renovateapp.com>.
    [GeneratedRegex(@"^(?:\d+\+)?(?:dependabot(?:-preview)?|renovate)(?:\[bot\]|-bot)?(?:@|$)|^renovate bot$|^bot@renovateapp\.com$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UpdateBot();
}
