using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Finds deployments triggered by an account that does not normally deploy there, or that went ahead without a required review.</summary>
/// <remarks>
/// Per repository and environment: the actors of past deployments and how many were bots. On the first event of a
/// deployment, once the key has the minimum deployments: an actor never seen there, a human where only bots deployed
/// (or a bot where only humans did); for a person with the minimum deployments anywhere (their profile is per actor,
/// across repositories and environments, since working hours belong to the person): an hour of the week near which
/// they (almost) never deployed. On any event of a deployment that proceeds (in progress, success): a review that
/// was requested for its run but not approved, or a source flag saying the review was skipped or bypassed.
/// </remarks>
internal sealed class UnusualDeployActorDetector : IDetector
{
    private readonly UnusualDeployActorOptions _options;
    private readonly IReadOnlyList<Regex> _bots;

    public UnusualDeployActorDetector(UnusualDeployActorOptions? options = null)
    {
        _options = options ?? new UnusualDeployActorOptions();
        _bots = [.. _options.Bots.Select(DeploymentKeys.Glob)];
    }

    public DetectorInfo Info { get; } = new(
        "deployment.unusual-actor",
        Categories.UnusualDeployActor,
        [EventKind.Deployment],
        "A deployment by an account that never deployed there, a human where only bots deploy (or the reverse), at an hour unusual for the actor, or one that skipped its required review.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Deployment is not { } deployment) return;
        var scope = DeploymentKeys.Scope(e);
        var actors = context.Baselines.Get<DeployActors>(DeploymentKeys.Key(scope, deployment.Environment));
        var review = e.Fields.GetValueOrDefault(EventFields.DeploymentReview);
        if (DeploymentKeys.IsReview(e))
        {
            if (e.Ci.RunId.Length > 0) actors.SetReview(e.Ci.RunId, review!);
            return;
        }

        var id = DeploymentKeys.DeploymentId(e);
        var reasons = new List<string>();
        // Behavioural signals, marked as evidence "signal" (weighed with others by Alerting/Signals); a skipped review or a person where only bots deployed stands alone.
        var signals = new List<string>();
        var strong = false;
        var severity = Severity.Medium;
        var skipped = SkippedReview(e, deployment, actors, review);
        if (skipped is not null)
        {
            reasons.Add(skipped);
            severity = Severity.High;
            strong = true;
        }

        if (actors.IsNew(id))
        {
            var actor = e.UserName;
            var bot = actor is not null && DeploymentKeys.IsBot(e, actor, _bots);
            if (actor is not null && actors.Deployments >= _options.MinimumSamples)
            {
                var deployments = actors.Deployments.ToString(CultureInfo.InvariantCulture);
                if (!actors.Knows(actor))
                {
                    reasons.Add($"'{actor}' never deployed '{scope}' to '{deployment.Environment}' before: its {deployments} earlier deployments were by " +
                        $"{actors.ActorCount.ToString(CultureInfo.InvariantCulture)} account(s) ({string.Join(", ", actors.Top(5).Select(a => $"{a.Key} ×{a.Value.ToString(CultureInfo.InvariantCulture)}"))}).");
                    signals.Add("first-deploy");
                }

                if (!bot && actors.HumanDeployments == 0)
                {
                    reasons.Add($"'{actor}' is a person, and all {deployments} earlier deployments there were made by bots.");
                    severity = Severity.High;
                    strong = true;
                }
                else if (bot && actors.BotDeployments == 0)
                {
                    reasons.Add($"'{actor}' is a machine account, and all {deployments} earlier deployments there were made by people.");
                    if (!signals.Contains("first-deploy")) signals.Add("first-deploy");
                }
            }

            actors.Learn(actor, bot);

            // Machine accounts deploy on schedules at any hour: only people have working hours.
            if (actor is not null && !bot && !e.TimestampMissing)
            {
                var hours = context.Baselines.Get<DeployHours>(DeployHours.Key(actor));
                if (UnusualHour(e, actor, scope, deployment, hours.Profile) is { } unusual)
                {
                    reasons.Add(unusual);
                    signals.Add("unusual-hour");
                }
                hours.Profile.Learn(e.Timestamp);
            }
        }

        if (reasons.Count == 0) return;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = severity,
            Title = $"Unusual deployment of '{scope}' to '{deployment.Environment}' by '{e.UserName ?? "(unknown)"}'",
            Explanation = string.Join(" ", reasons),
            Entity = new Entity(scope, e.Ci.Pipeline.Length == 0 ? null : e.Ci.Pipeline, Actor: e.UserName, Environment: deployment.Environment),
            Location = new Location(e.Ci.RunId.Length == 0 ? null : e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("actor", e.UserName ?? "(unknown)"),
                Evidence.Of("deployment_id", id),
                Evidence.Of("earlier_deployments", actors.Deployments.ToString(CultureInfo.InvariantCulture)),
                .. strong || signals.Count == 0 ? Array.Empty<Evidence>() : [Evidence.Of("signal", string.Join(",", signals))],
            ],
            Techniques = ["T1078"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            // A skipped review and an unusual actor of one deployment are two findings; status events of it add none.
            Fingerprint = Fingerprint.Of(Info.Id, scope, deployment.Environment, id, skipped is null ? "actor" : "review"),
        });
    }

    /// <summary>Why the deployment's hour of the week is unusual for its actor, or null: too few deployments yet, or enough near that hour.</summary>
    private string? UnusualHour(Event e, string actor, string scope, DeploymentInfo deployment, HourOfWeekProfile profile)
    {
        if (profile.Total < _options.MinimumHourSamples) return null;
        var near = profile.Near(e.Timestamp, _options.HourWindow);
        var share = (double)near / profile.Total;
        if (share > _options.MaximumHourShare) return null;
        var when = HourOfWeekProfile.Name(HourOfWeekProfile.Bucket(e.Timestamp));
        var busiest = string.Join(", ", profile.Top(3).Select(b => $"{HourOfWeekProfile.Name(b.Bucket)} ×{b.Count.ToString(CultureInfo.InvariantCulture)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"'{actor}' deployed '{scope}' to '{deployment.Environment}' on {when} UTC; of their {profile.Total} earlier deployments (all repositories) " +
            $"{near} fell within {_options.HourWindow} hour(s) of that time of week and {profile.SameHourAnyDay(e.Timestamp)} at {e.Timestamp.UtcDateTime.Hour:00}:00 on any day; " +
            $"their busiest hours are {busiest}.");
    }

    /// <summary>Why the deployment skipped its review, or null: it proceeds while its run's review was requested or rejected, or the source flags it.</summary>
    private static string? SkippedReview(Event e, DeploymentInfo deployment, DeployActors actors, string? flag)
    {
        if (flag is "skipped" or "bypassed")
        {
            return $"The source marks the deployment's required review as {flag}.";
        }

        var proceeds = e.Outcome == Outcome.Success || deployment.State is "in_progress" or "success";
        if (!proceeds || e.Ci.RunId.Length == 0) return null;
        return actors.Review(e.Ci.RunId) switch
        {
            "requested" => $"Run {e.Ci.RunId} requested a review for '{deployment.Environment}' and the deployment went ahead ({deployment.State}) with no approval seen.",
            "rejected" => $"Run {e.Ci.RunId}'s review for '{deployment.Environment}' was rejected, yet the deployment went ahead ({deployment.State}).",
            _ => null,
        };
    }
}
