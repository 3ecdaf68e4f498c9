using System.Reflection;
using PipeWatch.Baselines;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>Every baseline type declares whether its state is per repository or shared across repositories, and the list is reviewed here.</summary>
/// <remarks>
/// A split of the work by repository relies on <see cref="IBaseline{TSelf}.Scope"/>: a new baseline type fails this test until it
/// is added below, so its scope is chosen on purpose (by what its key is) rather than left to a default.
/// </remarks>
public sealed class BaselineScopeConventionTests
{
    private static readonly Dictionary<string, BaselineScope> Expected = new(StringComparer.Ordinal)
    {
        // Keyed by a repository, or by something inside one (pipeline, job, step, deployment scope).
        ["PipeWatch.Baselines.OutcomeHistory"] = BaselineScope.Repository,
        ["PipeWatch.Baselines.RollingSample"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.CodeChange.CommitHistory"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.CodeChange.DeletionSizes"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.CodeChange.PipelineTampering.ActionPins"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Dependencies.KnownArtifactBytes"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Deployment.DeployActors"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Deployment.DeployTargets"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Deployment.HourlyDeployCounts"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Pipeline.FailureStreak"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Pipeline.StepSequence"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Secrets.SecretActors"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Network.EgressEndpoints"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Performance.PoolContacts"] = BaselineScope.Repository,
        ["PipeWatch.Detectors.Performance.SpikeEpisode"] = BaselineScope.Repository,

        // Keyed by an actor, or estate-wide.
        ["PipeWatch.Detectors.Access.LoginHistory"] = BaselineScope.Global,
        ["PipeWatch.Detectors.CodeChange.AuthorHours"] = BaselineScope.Global,
        ["PipeWatch.Detectors.CodeChange.AuthorPlaces"] = BaselineScope.Global,
        ["PipeWatch.Detectors.Deployment.DeployHours"] = BaselineScope.Global,
        ["PipeWatch.Detectors.Dependencies.EstateRepositories"] = BaselineScope.Global,
        ["PipeWatch.Detectors.Dependencies.EstateShard"] = BaselineScope.Global,
    };

    [Fact]
    public void Every_baseline_type_declares_the_scope_listed_here()
    {
        var declared = typeof(IBaseline).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && t.GetInterfaces().Any(IsGenericBaseline))
            .ToDictionary(t => t.FullName!, ScopeOf, StringComparer.Ordinal);

        Assert.Equal(Expected.OrderBy(p => p.Key, StringComparer.Ordinal), declared.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Both_scopes_are_in_use() =>
        Assert.Equal([BaselineScope.Repository, BaselineScope.Global], Expected.Values.Distinct().Order());

    private static bool IsGenericBaseline(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IBaseline<>);

    private static BaselineScope ScopeOf(Type type) =>
        (BaselineScope)typeof(BaselineScopeConventionTests)
            .GetMethod(nameof(Scope), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type)
            .Invoke(null, null)!;

    private static BaselineScope Scope<T>() where T : class, IBaseline<T> => T.Scope;
}
