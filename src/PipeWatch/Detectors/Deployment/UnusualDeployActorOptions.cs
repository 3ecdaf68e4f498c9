using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Settings of <see cref="UnusualDeployActorDetector"/> (<c>detectors.deployment.unusual-actor</c> in pipewatch.yml).</summary>
internal sealed record UnusualDeployActorOptions
{
    /// <summary>Deployments a repository and environment must have before a new actor, or a human where only bots deployed, is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Deployments a person must have made (anywhere) before one at an hour of the week unusual for them is reported.</summary>
    public int MinimumHourSamples { get; init; } = 20;

    /// <summary>Hours either side of a deployment's hour of the week that count as "near" it in the actor's profile.</summary>
    public int HourWindow { get; init; } = 1;

    /// <summary>A deployment is at an unusual hour when at most this share of the actor's deployments fell near its hour of the week (0: none did).</summary>
    public double MaximumHourShare { get; init; }

    /// <summary>Globs of accounts that are machines though they look human (deploy users, CD service accounts); <c>[bot]</c> logins and service accounts are known already.</summary>
    public IReadOnlyList<string> Bots { get; init; } = [];

    /// <summary>Its <c>detectors.deployment.unusual-actor</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnusualDeployActorOptions>(
        "deployment.unusual-actor",
        [
            Setting.MinimumSamples<UnusualDeployActorOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Strings<UnusualDeployActorOptions>("bots", (o, v) => o with { Bots = v }),
            Setting.Int<UnusualDeployActorOptions>("min-hour-samples", 1, 1_000_000, (o, v) => o with { MinimumHourSamples = v }),
            Setting.Int<UnusualDeployActorOptions>("hour-window", 0, 12, (o, v) => o with { HourWindow = v }),
            Setting.Number<UnusualDeployActorOptions>("max-hour-share", 0, 1, (o, v) => o with { MaximumHourShare = v }),
        ]);
}
