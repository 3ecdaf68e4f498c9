namespace PipeWatch.Baselines;

/// <summary>What one state of a baseline type is about: one repository, or something seen across repositories.</summary>
/// <remarks>
/// When the work is split by repository (several workers, each owning some repositories), a <see cref="Repository"/> baseline
/// is read and written by the one worker that owns its repository, while a <see cref="Global"/> baseline (per actor, per
/// organization, estate-wide) is touched by every worker and must live in shared state.
/// </remarks>
public enum BaselineScope
{
    /// <summary>Keyed by a repository or something inside one (a pipeline, a job, a step, a deployment scope).</summary>
    Repository,

    /// <summary>Keyed by something that spans repositories: an actor, an account, the whole estate.</summary>
    Global,
}
