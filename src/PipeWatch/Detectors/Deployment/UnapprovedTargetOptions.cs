using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Settings of <see cref="UnapprovedTargetDetector"/> (<c>detectors.deployment.unapproved-target</c> in pipewatch.yml).</summary>
internal sealed record UnapprovedTargetOptions
{
    /// <summary>Deployments a repository must have made before a never-seen target is reported (repositories without an approved list).</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>The approved targets; a repository matched by an entry may deploy only where one of its entries allows.</summary>
    public IReadOnlyList<ApprovedTargets> Approved { get; init; } = [];

    /// <summary>Its <c>detectors.deployment.unapproved-target</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnapprovedTargetOptions>(
        "deployment.unapproved-target",
        [
            Setting.MinimumSamples<UnapprovedTargetOptions>((o, v) => o with { MinimumSamples = v }),
            new("approved", (reader, node, at, o) => o with { Approved = ApprovedTargetsReader.Read(reader, node, at) }),
        ]);
}

/// <summary>One entry of the approved list: for repositories matching <paramref name="Repository"/>, the environments and targets allowed (globs; an empty list allows any).</summary>
internal sealed record ApprovedTargets(string Repository, IReadOnlyList<string> Environments, IReadOnlyList<string> Targets);
