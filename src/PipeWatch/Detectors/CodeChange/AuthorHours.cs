using PipeWatch.Baselines;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>When one author commits, by the clock they see (their own UTC offset): an hour-of-week profile across repositories.</summary>
internal sealed class AuthorHours : IBaseline<AuthorHours>, IMergeableBaseline
{
    /// <summary>Global: keyed by author, who works across repositories (a repository profile shares the type).</summary>
    public static BaselineScope Scope => BaselineScope.Global;

    public static byte FormatVersion => 1;

    public HourOfWeekProfile Profile { get; private init; } = new();

    public static string Key(string author) => "hours|" + author;

    public static AuthorHours Create() => new();

    public void Write(BinaryWriter writer) => Profile.Write(writer);

    public static AuthorHours Read(BinaryReader reader) => new() { Profile = HourOfWeekProfile.Read(reader) };

    public IBaseline MergedInto(IBaseline current, IBaseline? loaded) =>
        new AuthorHours { Profile = HourOfWeekProfile.Merged(((AuthorHours)current).Profile, Profile, (loaded as AuthorHours)?.Profile) };
}
