using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;

namespace PipeWatch.Intel;

/// <summary>Keeps the <c>intel.feeds</c> of pipewatch.yml fresh for <c>serve</c>: reads each feed when it is due, imports it into the store, and puts a newly built index in force in one swap.</summary>
/// <remarks>
/// A URL or file read whole replaces its feed (values it no longer lists are removed); a TAXII collection is read incrementally
/// (<c>added_after</c> the last refresh), and a read that failed or had problems only adds and updates. The new index is built
/// completely from the store, then <see cref="IndicatorIndex.Replace"/> puts it in force: a lookup sees the old index or the
/// new one, never one half-built. One refresh at a time (the caller's loop); a feed that fails is a problem and is tried again
/// at its next interval, the others go on.
/// </remarks>
internal sealed partial class IntelFeedRefresher : IDisposable
{
    private readonly IntelOptions _options;
    private readonly Func<IIntelStore> _openStore;
    private readonly IndicatorIndex _live;
    private readonly TimeProvider _time;
    private readonly Func<string, string?> _environment;
    private readonly IProblemReporter _problems;
    private readonly HttpClient _http;
    private readonly Action<string>? _said;
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _addedAfter = new(StringComparer.Ordinal);

    /// <param name="options">The feeds.</param>
    /// <param name="openStore">Opens a connection to the store the feeds are imported into (its own, apart from the engine's); disposed after each refresh.</param>
    /// <param name="live">The index the detectors hold; each refresh replaces what it holds.</param>
    /// <param name="time">The clock.</param>
    /// <param name="environment">Reads the variables that <c>${env:NAME}</c> in an <c>auth-header</c> names.</param>
    /// <param name="problems">Where failed fetches and bad content are reported.</param>
    /// <param name="http">The HTTP client (a 5-minute timeout when not given).</param>
    /// <param name="said">Told one line each time a new index is put in force (the feeds read and the values in force).</param>
    public IntelFeedRefresher(
        IntelOptions options, Func<IIntelStore> openStore, IndicatorIndex live, TimeProvider time, Func<string, string?> environment, IProblemReporter problems,
        HttpClient? http = null, Action<string>? said = null)
    {
        _said = said;
        _options = options;
        _openStore = openStore;
        _live = live;
        _time = time;
        _environment = environment;
        _problems = problems;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>Refreshes every feed that is due (all of them the first time) and, when any was read, swaps the index; returns the feeds read.</summary>
    public async Task<int> RefreshAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var due = _options.Feeds.Where(f => !_due.TryGetValue(f.Name, out var at) || at <= now).ToList();
        if (due.Count == 0) return 0;
        var store = _openStore();
        try
        {
            var read = 0;
            foreach (var feed in due)
            {
                _due[feed.Name] = now + feed.Refresh;
                if (await RefreshAsync(feed, store, now, ct)) read++;
            }

            if (read > 0)
            {
                // Built whole before it is put in force.
                var next = ExfilServices.With(store.ReadIndicators(), _time.GetUtcNow());
                _live.Replace(next);
                _said?.Invoke($"intel feeds refreshed ({read} read); {next.Count:N0} indicator values in force");
            }

            return read;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>Refreshes feeds as they fall due until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                _problems.Report(new Problem("intel.feeds", $"refresh failed: {ex.GetType().Name}: {ex.Message}"));
            }

            var wait = _due.Count == 0 ? TimeSpan.FromMinutes(1) : _due.Values.Min() - _time.GetUtcNow();
            wait = TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks));
            try
            {
                await Task.Delay(wait, _time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> RefreshAsync(IntelFeedSource feed, IIntelStore store, DateTimeOffset now, CancellationToken ct)
    {
        var counted = new CountingReporter(_problems);
        void Store(FeedReading block) => store.ImportIndicators(block, now, feed.Lifetime, ct);
        IntelFetch fetch;
        if (feed.IsUrl)
        {
            var headers = new List<(string, string)>();
            if (feed.AuthHeader is { } header)
            {
                if (Resolve(header, feed) is not { } resolved) return false;
                var colon = resolved.IndexOf(':', StringComparison.Ordinal);
                headers.Add((resolved[..colon].Trim(), resolved[(colon + 1)..].Trim()));
            }

            DateTimeOffset? after = feed.IsTaxii && _addedAfter.TryGetValue(feed.Name, out var since) ? since : null;
            fetch = await IntelFeedFetcher.FetchAsync(_http, feed.Source, feed.Name, feed.Format, headers, after, counted, Store, ct);
            if (fetch.Taxii && fetch.Complete) _addedAfter[feed.Name] = fetch.AddedLast ?? now;
        }
        else
        {
            var reading = IntelFeeds.ReadFile(feed.Source, feed.Name, feed.Format, counted, Store);
            fetch = new IntelFetch([reading], reading.Format != "unreadable", Taxii: false, AddedLast: null);
        }

        if (fetch.Readings.Count == 0) return false;
        foreach (var reading in fetch.Readings) store.ImportIndicators(reading, now, feed.Lifetime, ct);
        if (!fetch.Taxii && fetch.Complete && counted.Count == 0) store.RemoveUnlisted(feed.Name, now);
        return true;
    }

    // ${env:NAME} in the header; a variable that is not set is a problem naming the feed and the variable, never a value.
    private string? Resolve(string header, IntelFeedSource feed)
    {
        string? missing = null;
        var resolved = EnvReference().Replace(header, match =>
        {
            var value = _environment(match.Groups[1].Value);
            if (string.IsNullOrEmpty(value)) missing ??= match.Groups[1].Value;
            return value ?? string.Empty;
        });
        if (missing is null) return resolved;
        _problems.Report(new Problem("intel.feeds", $"feed '{feed.Name}': auth-header names the environment variable {missing}, which is not set; not refreshed"));
        return null;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex EnvReference();

    private sealed class CountingReporter(IProblemReporter inner) : IProblemReporter
    {
        public int Count { get; private set; }

        public void Report(Problem problem)
        {
            Count++;
            inner.Report(problem);
        }
    }
}
