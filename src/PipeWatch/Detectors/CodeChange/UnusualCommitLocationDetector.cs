using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds a change from a place unusual for its actor: a commit whose author UTC offset the author never used, or a push from a country never seen for the actor.</summary>
/// <remarks>
/// Offsets come from commit author times (scanned history, push webhooks); countries and IPs from events that carry the client (a GitHub
/// audit-log <c>git.push</c>, a commit event with a client). An offset within <c>offset-tolerance</c> minutes of a known one counts as known.
/// </remarks>
internal sealed class UnusualCommitLocationDetector : IDetector
{
    private readonly UnusualCommitLocationOptions _options;
    private readonly IReadOnlyList<Regex> _bots;

    public UnusualCommitLocationDetector(UnusualCommitLocationOptions? options = null)
    {
        _options = options ?? new UnusualCommitLocationOptions();
        _bots = CommitKeys.Globs(_options.Bots);
    }

    public DetectorInfo Info { get; } = new(
        "code-change.unusual-location",
        Categories.UnusualLocation,
        [EventKind.Commit, EventKind.Audit],
        "A commit whose UTC offset its author never used, or a push from a country never seen for the actor.");

    public void Inspect(Event e, DetectionContext context)
    {
        var reasons = new List<string>();
        string actor;
        if (e.Commit is { } commit)
        {
            if (CommitKeys.IsBot(commit.Author, _bots)) return;
            actor = commit.Author.Key;
            var places = context.Baselines.Get<AuthorPlaces>(AuthorPlaces.Key(actor));
            if (commit.Author.When is { } when)
            {
                var minutes = (int)when.Offset.TotalMinutes;
                if (places.OffsetSamples >= _options.MinimumSamples && !places.KnowsOffset(minutes, _options.OffsetTolerance))
                {
                    reasons.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{commit.Author} committed with clock offset {CommitKeys.Offset(when.Offset)}, never used in their {places.OffsetSamples} earlier commits ({string.Join(", ", places.Offsets.Take(4).Select(o => $"{CommitKeys.Offset(TimeSpan.FromMinutes(o.Key))} ×{o.Value}"))})."));
                }

                places.LearnOffset(minutes);
            }

            Place(e, actor, places, reasons);
        }
        else if (e.Kind == EventKind.Audit && e.Action is "git.push" && e.UserName is { } user)
        {
            actor = user;
            Place(e, actor, context.Baselines.Get<AuthorPlaces>(AuthorPlaces.Key(actor)), reasons);
        }
        else
        {
            return;
        }

        if (reasons.Count == 0) return;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"Change to '{e.Ci.Repository}' by {actor} from an unusual place",
            Explanation = string.Join(" ", reasons),
            Entity = new Entity(e.Ci.Repository.Length == 0 ? null : e.Ci.Repository, Actor: actor),
            Location = new Location(File: e.Commit?.Files.FirstOrDefault()?.Path ?? e.Origin.File, Line: e.Commit is null ? e.Origin.Line : null, Commit: e.Commit?.Sha ?? e.Ci.Commit, Url: e.Url),
            Evidence = [Evidence.Of("actor", actor), Evidence.Of("offset", e.Commit?.Author.When is { } w ? CommitKeys.Offset(w.Offset) : "-"), Evidence.Of("country", e.Client?.CountryCode ?? "-")],
            Techniques = ["T1078"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, actor, e.Commit?.Sha ?? e.Id),
        });
    }

    private void Place(Event e, string actor, AuthorPlaces places, List<string> reasons)
    {
        if (e.Client is not { } client || (client.CountryCode is null && client.Ip is null)) return;
        if (client.CountryCode is { } country && places.PlaceSamples >= _options.MinimumSamples && !places.KnowsCountry(country))
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture,
                $"{actor} pushed from {country}{(client.Ip is null ? string.Empty : $" ({client.Ip}{(places.KnowsIp(client.Ip) ? string.Empty : ", a new address")})")}, a country not seen in their {places.PlaceSamples} earlier located pushes ({string.Join(", ", places.Countries.Take(4).Select(c => $"{c.Key} ×{c.Value}"))})."));
        }

        places.LearnPlace(client.CountryCode, client.Ip);
    }
}
