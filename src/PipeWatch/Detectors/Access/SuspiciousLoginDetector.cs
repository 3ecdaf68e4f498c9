using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Access;

/// <summary>Finds odd access by an actor in audit logs: failed-login bursts, a first-seen country or IP, impossible travel, unusual hours, a new token from a new place.</summary>
/// <remarks>
/// One baseline per actor (<see cref="LoginHistory"/>). Failures (<c>user.failed_login</c>, any audit event with outcome
/// failure) only feed the burst counter; successful events teach places, tokens and hours. An event that shows several
/// signals gives one finding, led by the most severe, the others named in its explanation.
/// </remarks>
internal sealed class SuspiciousLoginDetector : IDetector
{
    private readonly SuspiciousLoginOptions _options;

    public SuspiciousLoginDetector(SuspiciousLoginOptions? options = null) => _options = options ?? new SuspiciousLoginOptions();

    public DetectorInfo Info { get; } = new(
        "access.suspicious-login",
        Categories.SuspiciousLogin,
        [EventKind.Audit],
        "Failed-login bursts, first-seen countries or IPs, impossible travel, unusual hours and new tokens from new places, per actor.");

    public void Inspect(Event e, DetectionContext context)
    {
        // Bursts, travel and hours are all about time: an entry without one can neither teach nor alarm.
        if (string.IsNullOrEmpty(e.UserName) || e.TimestampMissing) return;
        var history = context.Baselines.Get<LoginHistory>(e.UserName);
        if (IsFailure(e))
        {
            ObserveFailure(e, history, context);
            return;
        }

        // Most events raise no signal: the list is made for the few that do.
        List<Signal>? signals = null;
        var country = Upper(e.Client?.CountryCode);
        var ip = e.Client?.Ip;
        var token = e.Fields.GetValueOrDefault("github.token_id") ?? e.Fields.GetValueOrDefault("github.hashed_token");
        if (country is null && ip is null)
        {
            // Not located: only the hour can say something.
        }
        else if (history.IsLastPlace(country, ip, token))
        {
            // Most events come from where the actor last was, with the same token: nothing new, no travel.
            history.LearnLastPlace(e.Timestamp);
        }
        else
        {
            CheckPlace(e, history, country, ip, token, ref signals);
            history.LearnPlace(country, ip, token, e.Timestamp);
        }

        CheckHour(e, history, ref signals);
        history.LearnHour(e.Timestamp);
        if (signals is not null) Report(e, context, signals);
    }

    private static string? Upper(string? code) =>
        code is null || !code.AsSpan().ContainsAnyInRange('a', 'z') ? code : code.ToUpperInvariant();

    private static bool IsFailure(Event e) =>
        e.Outcome == Outcome.Failure || (e.Action is { } a && (a.EndsWith("failed_login", StringComparison.Ordinal) || a.EndsWith(".failure", StringComparison.Ordinal)));

    private void ObserveFailure(Event e, LoginHistory history, DetectionContext context)
    {
        var failures = history.Failures;
        if (failures.Count > 0 && e.Timestamp - failures[^1] > _options.FailureWindow) history.ReportedBurst = null;
        failures.Add(e.Timestamp);
        failures.RemoveAll(t => e.Timestamp - t > _options.FailureWindow);
        if (failures.Count > 64) failures.RemoveRange(0, failures.Count - 64);
        if (failures.Count < _options.FailureBurst || history.ReportedBurst is not null) return;

        history.ReportedBurst = failures[0];
        var minutes = (e.Timestamp - failures[0]).TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);
        var from = e.Client is { } c ? $" from {c.Ip ?? "?"} ({c.CountryCode ?? "unknown country"})" : string.Empty;
        Report(e, context, [new Signal(
            "failed-login-burst", Severity.High, $"{failures.Count} failed logins for '{e.UserName}' in {minutes} min",
            $"'{e.UserName}' had {failures.Count} failed logins or token failures in {minutes} minutes{from}, last '{e.Action}' " +
            $"(threshold {_options.FailureBurst} within {_options.FailureWindow.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes).",
            failures[0].UtcTicks.ToString(CultureInfo.InvariantCulture), "T1110")]);
    }

    private void CheckPlace(Event e, LoginHistory history, string? country, string? ip, string? token, ref List<Signal>? signals)
    {
        // Spelled out only for an explanation: most events raise no signal.
        string Known() => $"{history.Located} located events from {history.Countries.Count} countries ({string.Join(", ", history.Countries.Order())})";
        if (country is not null && history.LastCountry is { } last && !string.Equals(last, country, StringComparison.OrdinalIgnoreCase)
            && CountryCentroids.Find(last) is { } a && CountryCentroids.Find(country) is { } b)
        {
            var km = CountryCentroids.DistanceKm(a, b);
            var hours = Math.Max((e.Timestamp - history.LastCountryAt).TotalHours, 1.0 / 60);
            if (km >= _options.MinimumDistanceKm && km / hours > _options.MaximumSpeedKmh)
            {
                (signals ??= []).Add(new Signal(
                    "impossible-travel", Severity.High, $"Impossible travel for '{e.UserName}': {a.Name} → {b.Name}",
                    $"'{e.UserName}' acted from {a.Name} ({a.Code}) at {history.LastCountryAt:u} and from {b.Name} ({b.Code}) at {e.Timestamp:u}: " +
                    $"{km.ToString("0", CultureInfo.InvariantCulture)} km between country centroids in {Hours(hours)} h is " +
                    $"{(km / hours).ToString("0", CultureInfo.InvariantCulture)} km/h (limit {_options.MaximumSpeedKmh.ToString(CultureInfo.InvariantCulture)} km/h).",
                    $"{a.Code}>{b.Code}@{e.Timestamp.UtcTicks}", "T1078"));
            }
        }

        if (history.Located < _options.MinimumSamples) return;
        var newCountry = country is not null && !history.Countries.Contains(country) && history.Countries.Count < LoginHistory.SetCapacity;
        var newIp = ip is not null && !history.Ips.Contains(ip) && history.Ips.Count < LoginHistory.SetCapacity;
        if (newCountry)
        {
            (signals ??= []).Add(new Signal(
                "new-country", Severity.Medium, $"'{e.UserName}' acted from a new country: {country}",
                $"'{e.UserName}' acted from {country} ({ip ?? "no IP"}) for the first time; the baseline holds {Known()}.", country!, "T1078"));
        }
        else if (newIp && _options.ReportNewIp)
        {
            (signals ??= []).Add(new Signal(
                "new-ip", Severity.Low, $"'{e.UserName}' acted from a new IP address",
                $"'{e.UserName}' acted from {ip} ({country ?? "unknown country"}) for the first time; the baseline holds {Known()} and {history.Ips.Count} IP addresses.", ip!, "T1078"));
        }

        if (token is not null && !history.Tokens.Contains(token) && (newCountry || newIp) && history.Tokens.Count < LoginHistory.SetCapacity)
        {
            (signals ??= []).Add(new Signal(
                "new-token-new-place", Severity.High, $"New token of '{e.UserName}' used from a new place",
                $"A token '{e.UserName}' never used before ({e.Fields.GetValueOrDefault("github.programmatic_access_type") ?? "token"}) was used from a new " +
                $"{(newCountry ? "country" : "IP address")} ({ip ?? "no IP"}, {country ?? "unknown country"}); the baseline holds {history.Tokens.Count} tokens and {Known()}.",
                token, "T1078", "T1528"));
        }
    }

    private void CheckHour(Event e, LoginHistory history, ref List<Signal>? signals)
    {
        var hours = history.Hours;
        if (hours.Total < _options.MinimumHourSamples) return;
        var near = hours.Near(e.Timestamp);
        var hour = e.Timestamp.UtcDateTime.Hour;
        var sameHour = hours.SameHourAnyDay(e.Timestamp);
        var share = (double)sameHour / hours.Total;
        if (near > 0 || share >= _options.MaximumHourShare) return;
        var when = e.Timestamp.UtcDateTime.ToString("dddd HH:00", CultureInfo.InvariantCulture);
        (signals ??= []).Add(new Signal(
            "unusual-hour", Severity.Medium, $"'{e.UserName}' active at an unusual hour ({when} UTC)",
            $"'{e.UserName}' did '{e.Action}' on {when} UTC; of their {hours.Total} events in the baseline none fell within an hour of that time of week " +
            $"and {sameHour} ({(share * 100).ToString("0.#", CultureInfo.InvariantCulture)}%) at {hour:00}:00 on any day (limit {(_options.MaximumHourShare * 100).ToString("0.#", CultureInfo.InvariantCulture)}%).",
            e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH", CultureInfo.InvariantCulture), "T1078"));
    }

    private void Report(Event e, DetectionContext context, List<Signal> signals)
    {
        var lead = signals.MaxBy(s => s.Severity)!;
        var others = signals.Where(s => !ReferenceEquals(s, lead)).ToList();
        var explanation = others.Count == 0 ? lead.Explanation : lead.Explanation + " Also: " + string.Join(" ", others.Select(o => o.Explanation));
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = lead.Severity,
            Title = lead.Title,
            Explanation = explanation,
            Entity = new Entity(string.IsNullOrEmpty(e.Ci.Repository) ? e.Organization : e.Ci.Repository, Actor: e.UserName),
            Location = new Location(File: e.Origin.File, Line: e.Origin.Line, Url: e.Url),
            Evidence =
            [
                Evidence.Of("signal", string.Join(",", signals.Select(s => s.Kind))),
                Evidence.Of("action", e.Action ?? "?"),
                Evidence.Of("country", e.Client?.CountryCode ?? "?"),
                Evidence.Of("ip", e.Client?.Ip ?? "?"),
            ],
            Techniques = [.. signals.SelectMany(s => s.Techniques).Distinct()],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.UserName, lead.Kind, lead.Key),
        });
    }

    private static string Hours(double hours) => hours.ToString(hours < 10 ? "0.##" : "0", CultureInfo.InvariantCulture);

    private sealed record Signal(string Kind, Severity Severity, string Title, string Explanation, string Key, params string[] Techniques);
}
