using PipeWatch.Events;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Recognises the documented git identities of the dependency-update bots: the name and the address GitHub gives each app's commits, both.</summary>
/// <remarks>
/// GitHub writes an app's commits as <c>name[bot] &lt;id+name[bot]@users.noreply.github.com&gt;</c>, the id being the app's bot
/// account (<c>dependabot[bot]</c> is 49699333). A name with <c>[bot]</c> and some other address is not one of these. Anyone can
/// still write this identity into a commit, so it only excuses what these bots do: see where it is used.
/// </remarks>
internal static class UpdateBotIdentity
{
    private static readonly HashSet<(string Name, string Email)> Documented =
    [
        ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        ("dependabot-preview[bot]", "27856297+dependabot-preview[bot]@users.noreply.github.com"),
        ("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com"),
        // Dependabot before it was GitHub's (2017-2019) committed as itself.
        ("dependabot[bot]", "support@dependabot.com"),
    ];

    /// <summary>True when the person's name and address are both those of one dependency-update bot.</summary>
    public static bool IsDocumented(CommitPerson person) =>
        person.Name is { } name && person.Email is { } email && Documented.Contains((name, email.ToLowerInvariant()));
}
