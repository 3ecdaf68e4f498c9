using System.CommandLine;
using System.Globalization;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Intel;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch intel</c>: keeps the threat-intel indicators (STIX, MISP, abuse.ch, lists) that job logs, telemetry and artifacts are matched against.</summary>
internal static class IntelCommand
{
    /// <summary>How long an indicator whose feed gives no expiry stays in force after its last import, unless --lifetime says.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);

    public static Command Create(CliHost host)
    {
        var store = CommonOptions.Store();
        var sources = new Argument<string[]>("SOURCE")
        {
            Description = "Feed files, folders of them (their files, not sub-folders), or http(s) URLs: STIX 2.1 bundles, MISP event JSON, ThreatFox JSON/CSV, "
                + "URLhaus CSV, MalwareBazaar CSV, CSV with a type column, or plain lists (one indicator a line). A TAXII 2.1 collection's objects URL "
                + "(…/collections/{id}/objects/) is paged through.",
            Arity = ArgumentArity.OneOrMore,
        };
        var feed = new Option<string?>("--feed") { Description = "The feed name to import under (default: the file name, or the URL's host and path). Importing again under the same name replaces it: values the source no longer lists are removed (unless it was read with problems).", HelpName = "NAME" };
        var format = new Option<string?>("--format") { Description = "Read every source as this format instead of recognizing it: " + string.Join(", ", IntelFeeds.Formats) + ".", HelpName = "FORMAT" };
        format.AcceptOnlyFromAmong([.. IntelFeeds.Formats]);
        var lifetime = new Option<string>("--lifetime")
        {
            Description = "How long an indicator whose feed gives no valid_until stays in force after this import (e.g. 30d, 12h).",
            DefaultValueFactory = _ => "90d",
            HelpName = "DURATION",
        };
        var headers = new Option<string[]>("--header")
        {
            Description = "An HTTP header for URL sources, 'Name: value' (e.g. an API key); repeatable. Never printed.",
            HelpName = "HEADER",
            AllowMultipleArgumentsPerToken = false,
        };
        var import = new Command(
            "import",
            "Import indicators into the store's index. A value imported again under the same feed is updated, never duplicated; defanged values "
            + "(hxxp://, example[.]com) are refanged; each file's counts by kind and what it skipped are printed. Exit 2 when nothing could be imported.")
        {
            store, sources, feed, format, lifetime, headers,
        };
        import.SetAction((parse, ct) => ImportAsync(
            host, parse.GetValue(store), parse.GetValue(sources) ?? [], parse.GetValue(feed), parse.GetValue(format), parse.GetRequiredValue(lifetime), parse.GetValue(headers) ?? [], ct));

        var listStore = CommonOptions.Store();
        var list = new Command("list", "List the feeds in the store with their indicators by kind, and how many are expired or revoked.") { listStore };
        list.SetAction((parse, _) => ListAsync(host, parse.GetValue(listStore)));

        var removeStore = CommonOptions.Store();
        var name = new Argument<string>("FEED") { Description = "The feed name, as 'intel list' shows it." };
        var remove = new Command("remove", "Remove a feed and its indicators from the store.") { removeStore, name };
        remove.SetAction((parse, _) => RemoveAsync(host, parse.GetValue(removeStore), parse.GetRequiredValue(name)));

        return new Command("intel", "Manage the threat-intel indicators (malicious hashes, C2 and exfiltration hosts, addresses, URLs) that findings are matched against.")
        {
            import, list, remove,
        };
    }

    private static async Task<int> ImportAsync(
        CliHost host, string? storePath, string[] sources, string? feedName, string? format, string lifetimeText, string[] headerTexts, CancellationToken ct)
    {
        if (!DurationText.TryParse(lifetimeText, out var lifetime) || lifetime <= TimeSpan.Zero)
        {
            await host.Error.WriteLineAsync($"pipewatch: --lifetime {lifetimeText}: not a duration (e.g. 90d, 12h)");
            return ExitCodes.Usage;
        }

        var headers = new List<(string, string)>();
        foreach (var text in headerTexts)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                await host.Error.WriteLineAsync("pipewatch: --header: expected 'Name: value'");
                return ExitCodes.Usage;
            }

            headers.Add((text[..colon].Trim(), text[(colon + 1)..].Trim()));
        }

        var files = new List<string>();
        var urls = new List<string>();
        foreach (var source in sources)
        {
            if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                urls.Add(source);
                continue;
            }

            var path = host.Resolve(source);
            if (File.Exists(path)) files.Add(path);
            else if (Directory.Exists(path)) files.AddRange(Directory.EnumerateFiles(path).Order(StringComparer.Ordinal));
            else
            {
                await host.Error.WriteLineAsync($"pipewatch: {host.Display(path)}: no such file or folder");
                return ExitCodes.Usage;
            }
        }

        using var opened = await CommonOptions.OpenStorePartAsync<IIntelStore>(host, CommonOptions.ResolveStore(host, storePath), "intel import");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            var problems = new ConsoleProblemReporter(host.Error, host.Display);
            int added = 0, updated = 0;
            long withdrawn = 0;

            // One import time for the whole command, so the sources of one feed (--feed with several files) are one listing.
            var now = host.Time.GetUtcNow();
            var complete = new Dictionary<string, bool>(StringComparer.Ordinal);

            // Blocks of a large feed are imported while it is read, so memory stays bounded whatever its size.
            void Store(FeedReading block)
            {
                var result = store.ImportIndicators(block, now, lifetime, ct);
                added += result.Added;
                updated += result.Updated;
            }

            async Task Import(FeedReading reading, bool whole)
            {
                Store(reading);
                complete[reading.Feed] = complete.GetValueOrDefault(reading.Feed, true) && whole && reading.Format != "unreadable";
                await host.Error.WriteLineAsync(reading.Describe().Replace(reading.File, host.Display(reading.File), StringComparison.Ordinal) + (reading.Feed == IntelFeeds.DefaultName(reading.File) ? "" : $" → feed '{reading.Feed}'"));
            }

            try
            {
                foreach (var file in files)
                {
                    var before = problems.Count;
                    var reading = IntelFeeds.ReadFile(file, feedName, format, problems, Store);
                    await Import(reading, problems.Count == before);
                }

                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                foreach (var url in urls)
                {
                    var before = problems.Count;
                    var fetched = await IntelFeedFetcher.FetchAsync(http, url, feedName ?? IntelFeeds.DefaultName(url), format, headers, null, problems, Store, ct);
                    foreach (var reading in fetched.Readings) await Import(reading, fetched.Complete && problems.Count == before);
                }

                // A source read whole replaces its feed: the values it no longer lists are withdrawn. A source read with problems
                // (a malformed line, a cut download) only adds and updates, so a broken file never empties a feed.
                foreach (var (feed, whole) in complete)
                {
                    if (whole) withdrawn += store.RemoveUnlisted(feed, now);
                }
            }
            catch (OperationCanceledException)
            {
                await host.Error.WriteLineAsync("pipewatch: import interrupted; the batches committed so far are kept");
                return ExitCodes.Usage;
            }

            await host.Error.WriteLineAsync(
                $"imported {added + updated:N0} indicator{(added + updated == 1 ? "" : "s")} ({added:N0} new, {updated:N0} updated{(withdrawn > 0 ? $", {withdrawn:N0} no longer listed removed" : "")}), {problems.Count} problem{(problems.Count == 1 ? "" : "s")}");
            return added + updated == 0 && problems.Count > 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
    }

    private static async Task<int> ListAsync(CliHost host, string? storePath)
    {
        using var opened = await CommonOptions.OpenStorePartAsync<IIntelStore>(host, CommonOptions.ResolveStore(host, storePath), "intel list");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            var feeds = store.ListIntelFeeds();
            foreach (var feed in feeds)
            {
                var counts = string.Join(", ", feed.Counts.OrderBy(c => c.Key).Select(c => $"{c.Value.ToString("N0", CultureInfo.InvariantCulture)} {IndicatorKinds.Name(c.Key)}"));
                await host.Out.WriteLineAsync(
                    $"{feed.Feed}\t{feed.Format}\timported {feed.ImportedAt:yyyy-MM-dd HH:mm}Z\t{(counts.Length == 0 ? "no indicators" : counts)}\t{feed.Expired:N0} expired or revoked\t{host.Display(feed.Source)}");
            }

            await host.Error.WriteLineAsync($"{feeds.Count} feed{(feeds.Count == 1 ? "" : "s")}, {feeds.Sum(f => f.Counts.Values.Sum()):N0} indicators; built in: {ExfilServices.Indicators.Count} exfiltration and tunnel services ({ExfilServices.Feed})");
            return ExitCodes.Ok;
        }
    }

    private static async Task<int> RemoveAsync(CliHost host, string? storePath, string feed)
    {
        using var opened = await CommonOptions.OpenStorePartAsync<IIntelStore>(host, CommonOptions.ResolveStore(host, storePath), "intel remove");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            var removed = store.RemoveIntelFeed(feed);
            if (removed < 0)
            {
                await host.Error.WriteLineAsync($"pipewatch: no feed '{feed}' in the store ('pipewatch intel list' shows them)");
                return ExitCodes.Usage;
            }

            await host.Error.WriteLineAsync($"removed feed '{feed}' and its {removed:N0} indicator{(removed == 1 ? "" : "s")}");
            return ExitCodes.Ok;
        }
    }
}
