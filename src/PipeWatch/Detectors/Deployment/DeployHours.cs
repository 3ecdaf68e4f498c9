using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Deployment;

/// <summary>When one person deploys: the hour-of-week profile of their deployments, across repositories and environments.</summary>
internal sealed class DeployHours : IBaseline<DeployHours>, IMergeableBaseline
{
    /// <summary>Global: keyed by actor, who deploys across repositories.</summary>
    public static BaselineScope Scope => BaselineScope.Global;

    public static byte FormatVersion => 1;

    public HourOfWeekProfile Profile { get; private init; } = new();

    /// <summary>The baseline key of an actor's profile; it starts with the separator, which no scope key does.</summary>
    public static string Key(string actor) => "\u001factor\u001f" + actor;

    public static DeployHours Create() => new();

    public void Write(BinaryWriter writer) => Profile.Write(writer);

    public static DeployHours Read(BinaryReader reader) => new() { Profile = HourOfWeekProfile.Read(reader) };

    public IBaseline MergedInto(IBaseline current, IBaseline? loaded) =>
        new DeployHours { Profile = HourOfWeekProfile.Merged(((DeployHours)current).Profile, Profile, (loaded as DeployHours)?.Profile) };
}
