using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Server.Following;
using PipeWatch.Server.Intake;

namespace PipeWatch.Server;

/// <summary>The watch mode's CI-server metrics scrapes (<c>serve.ci-metrics</c>): each endpoint read at start and then every <c>interval</c> into the intake queue, where each scrape becomes the metrics event <c>ingest NAME.prom</c> makes.</summary>
/// <remarks>
/// Off unless endpoints are configured. One loop per endpoint, one scrape at a time: a GET asking for the text format, with the
/// token (<c>${env:NAME}</c>, read at each scrape) as a bearer token or, with a <c>user</c>, as basic authentication; no redirect is
/// followed (it would drop or carry the token elsewhere). The whole scrape is bounded by the entry's <c>timeout</c> and the answer by
/// <c>serve.max-body-bytes</c>. The answer goes into the intake (the SQLite queue, or JetStream with <c>--queue</c>) as it came, so
/// its events are committed, deduplicated, detected and alerted like a posted payload's, and parse problems (with line numbers) are
/// reported by the intake as <c>ci-metrics:NAME</c>. A failure is reported naming the endpoint (never the token) and counted in
/// <c>/metrics</c>; the next round tries again. The same failure again in the next rounds is only counted; the first good scrape
/// after failures says how many there were.
/// </remarks>
internal static partial class CiMetricsScrapes
{
    public static void Start(ServerSettings settings, IWebhookIntake intake, ServerMetrics metrics, IProblemReporter problems, CancellationToken stopping)
    {
        foreach (var scrape in settings.Config.Serve.CiMetrics)
        {
            _ = Task.Run(() => RunAsync(settings, scrape, intake, metrics, problems, stopping), CancellationToken.None);
        }
    }

    /// <summary>The name problems and events carry: <c>ci-metrics:NAME</c>.</summary>
    public static string Origin(CiMetricsScrape scrape) => $"ci-metrics:{scrape.Name}";

    private static async Task RunAsync(ServerSettings settings, CiMetricsScrape scrape, IWebhookIntake intake, ServerMetrics metrics, IProblemReporter problems, CancellationToken stopping)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        using var timer = new PeriodicTimer(scrape.Interval, settings.Time);
        var shown = Shown(scrape.Url);
        string? lastFailure = null;
        var failures = 0;
        var healthy = false;
        try
        {
            do
            {
                string? failure;
                try
                {
                    failure = await ScrapeOnceAsync(settings, scrape, shown, intake, http, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // A defect: reported with its type and message; the next round tries again.
                    failure = $"scrape failed: {ex.GetType().Name}: {ex.Message}";
                }

                metrics.CiMetricsScrapes.WithLabels(scrape.Name, failure is null ? "ok" : "failed").Inc();
                if (failure is not null)
                {
                    // The same failure round after round (a server down for the weekend) is reported once, and counted.
                    if (failure != lastFailure) problems.Report(new Problem(Origin(scrape), $"{failure}; scraping again in {Interval(scrape.Interval)}"));
                    (healthy, lastFailure) = (false, failure);
                    failures++;
                }
                else if (!healthy)
                {
                    var again = failures > 0 ? $" (again, after {failures} failed scrape{(failures == 1 ? "" : "s")})" : string.Empty;
                    await settings.Out.WriteLineAsync($"pipewatch serve: scraping {Origin(scrape)} ({shown}) every {Interval(scrape.Interval)}{again}").ConfigureAwait(false);
                    (healthy, lastFailure, failures) = (true, null, 0);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>One scrape into the intake; the reason it failed, or null.</summary>
    private static async Task<string?> ScrapeOnceAsync(ServerSettings settings, CiMetricsScrape scrape, string shown, IWebhookIntake intake, HttpClient http, CancellationToken stopping)
    {
        string? token = null;
        if (scrape.Token is { } reference && EnvName().Match(reference) is { Success: true } m)
        {
            token = settings.Environment(m.Groups[1].Value);
            if (string.IsNullOrEmpty(token)) return $"token: the environment variable {m.Groups[1].Value} is not set; not scraped";
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(scrape.Timeout);
        byte[]? body;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, scrape.Url);
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain;version=0.0.4"));
            request.Headers.UserAgent.ParseAdd("pipewatch-serve");
            if (token is not null)
            {
                request.Headers.Authorization = scrape.User is { } user
                    ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}")))
                    : new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // The standard phrase, not the one sent: the answer is the other side's text.
                var moved = (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location
                    ? $" to {Shown(new Uri(new Uri(scrape.Url), location).ToString())} (redirects are not followed: give that URL)"
                    : string.Empty;
                return $"{shown} answered {(int)response.StatusCode} ({ReasonPhrases.GetReasonPhrase((int)response.StatusCode)}){moved}";
            }

            if (response.Content.Headers.ContentType?.MediaType is "text/html" or "application/xhtml+xml")
            {
                // A login or error page answered 200 (Jenkins without read access): not read, rather than reported line by line.
                return $"{shown} answered a web page, not the Prometheus text format (a login page? check user and token)";
            }

            var limit = (int)Math.Min(settings.Config.Serve.MaxBodyBytes, int.MaxValue);
            body = await FollowUps.ReadBoundedAsync(response.Content, limit, deadline.Token).ConfigureAwait(false);
            if (body is null) return $"{shown}: the answer is larger than {limit} bytes (serve.max-body-bytes); not read";
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return $"{shown} did not answer within {Interval(scrape.Timeout)}";
        }
        catch (HttpRequestException ex)
        {
            return $"{shown}: {ex.Message}";
        }

        var item = new IntakeItem(IntakeKinds.Prometheus, "ci-metrics", null, scrape.Name, Origin(scrape), body, settings.Time.GetUtcNow().ToUnixTimeMilliseconds());
        return await intake.EnqueueAsync(item).ConfigureAwait(false) switch
        {
            EnqueueOutcome.Accepted => null,
            EnqueueOutcome.Full => "the intake backlog is full; the scrape was not queued",
            EnqueueOutcome.TooLarge => $"the scrape ({body.Length} bytes) is larger than the queue takes in one message; not queued",
            _ => "the queue cannot be reached; the scrape was not queued",
        };
    }

    // Shown in problems and output: without credentials, query or fragment (a token may sit in either).
    private static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty }.Uri.ToString()
            : "(the configured URL)";

    private static string Interval(TimeSpan span) =>
        span.TotalSeconds < 60 || span.TotalSeconds % 60 != 0 ? span.TotalSeconds.ToString("0.###s", CultureInfo.InvariantCulture)
        : span.TotalMinutes < 60 || span.TotalMinutes % 60 != 0 ? span.TotalMinutes.ToString("0m", CultureInfo.InvariantCulture)
        : span.TotalHours.ToString("0h", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();
}
