using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Finds a commit made at an hour of the week unusual for its author, on the author's own clock.</summary>
/// <remarks>
/// Unusual means all three: no (or few) commits near that hour of the week, an hour far from any hour of the day the author ever
/// committed at, and improbable under a smoothed circular hour-of-day model with weekdays and weekends apart (<see cref="HourOfDayModel"/>).
/// A new cell of the week at a familiar hour of the day is not unusual.
/// Per author (across repositories): an hour-of-week profile of author times in the author's own UTC offset, so a person who
/// travels or crosses a daylight-saving change keeps their usual hours. Until an author has <c>min-samples</c> commits, their
/// commit is compared with the repository's own profile (all authors, in UTC, since they live in different offsets), so a newcomer
/// committing when nobody ever does is still seen; silent until one of the two has enough history. Bots are skipped.
/// </remarks>
internal sealed class UnusualCommitTimeDetector : IDetector
{
    private readonly UnusualCommitTimeOptions _options;
    private readonly IReadOnlyList<Regex> _bots;

    public UnusualCommitTimeDetector(UnusualCommitTimeOptions? options = null)
    {
        _options = options ?? new UnusualCommitTimeOptions();
        _bots = CommitKeys.Globs(_options.Bots);
    }

    public DetectorInfo Info { get; } = new(
        "code-change.unusual-time",
        Categories.UnusualTime,
        [EventKind.Commit],
        "A commit at an hour of the week its author (almost) never commits at, on the author's own clock.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Commit is not { } commit || commit.Author.When is not { } when || CommitKeys.IsBot(commit.Author, _bots)) return;
        var author = commit.Author.Key;
        var profile = context.Baselines.Get<AuthorHours>(AuthorHours.Key(author)).Profile;
        var repository = context.Baselines.Get<AuthorHours>(AuthorHours.Key("\u001frepository|" + e.Ci.Repository)).Profile;
        var local = CommitKeys.Local(when);
        var reason = profile.Total >= _options.MinimumSamples ? Unusual(profile, local, when, author) : UnusualForRepository(repository, when, author, profile.Total, e.Ci.Repository);
        profile.Learn(local);
        repository.Learn(when);
        if (reason is null) return;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} by {commit.Author} at an unusual hour ({HourOfWeekProfile.Name(HourOfWeekProfile.Bucket(local))} {CommitKeys.Offset(when.Offset)})",
            Explanation = reason,
            Entity = new Entity(e.Ci.Repository, Actor: author),
            Location = new Location(File: commit.Files.Count > 0 ? commit.Files[0].Path : null, Commit: commit.Sha, Url: e.Url),
            Evidence = [Evidence.Of("author_time", when.ToString("O", CultureInfo.InvariantCulture)), Evidence.Of("earlier_commits", profile.Total.ToString(CultureInfo.InvariantCulture))],
            Techniques = ["T1078"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, commit.Sha),
        });
    }

    private string? UnusualForRepository(HourOfWeekProfile repository, DateTimeOffset when, string author, long own, string name)
    {
        if (repository.Total < _options.MinimumSamples) return null;
        var near = repository.Near(when, _options.HourWindow);
        if (near > repository.Total * _options.MaximumHourShare || Model(repository, when) is not { } model) return null;
        var busiest = string.Join(", ", repository.Top(3).Select(b => $"{HourOfWeekProfile.Name(b.Bucket)} ×{b.Count.ToString(CultureInfo.InvariantCulture)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{author} committed on {HourOfWeekProfile.Name(HourOfWeekProfile.Bucket(when))} UTC, and has only {own} earlier commit(s), too few for a profile of their own; " +
            $"of the {repository.Total} earlier commits to '{name}' by all authors, {near} fell within {_options.HourWindow} hour(s) of that time of week; {model} the repository's busiest hours are {busiest} UTC.");
    }

    private string? Unusual(HourOfWeekProfile profile, DateTimeOffset local, DateTimeOffset when, string author)
    {
        var near = profile.Near(local, _options.HourWindow);
        if (near > profile.Total * _options.MaximumHourShare || Model(profile, local) is not { } model) return null;
        var busiest = string.Join(", ", profile.Top(3).Select(b => $"{HourOfWeekProfile.Name(b.Bucket)} ×{b.Count.ToString(CultureInfo.InvariantCulture)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{author} committed on {HourOfWeekProfile.Name(HourOfWeekProfile.Bucket(local))} on their own clock ({CommitKeys.Offset(when.Offset)}); of their {profile.Total} earlier commits " +
            $"{near} fell within {_options.HourWindow} hour(s) of that time of week and {profile.SameHourAnyDay(local)} at {local.Hour:00}:00 on any day; {model} their busiest hours are {busiest}.");
    }

    // The hour-of-day model's verdict as a clause for the explanation, or null when it finds the hour ordinary.
    private string? Model(HourOfWeekProfile profile, DateTimeOffset at)
    {
        var judged = HourOfDayModel.Judge(profile, at);
        if (judged.Distance < _options.MinimumHourDistance || judged.Share > _options.MaximumModelShare) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"the nearest hour of the day with any commit ({judged.DayKind}) is {judged.Distance} hour(s) away, and a smoothed hour-of-day model of those {judged.Samples} commits expects {judged.Share:0.0%} of them in that hour;");
    }
}
