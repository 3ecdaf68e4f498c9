namespace PipeWatch.Intel;

/// <summary>The <c>intel</c> section of pipewatch.yml: the feeds <c>serve</c> reads at start and keeps fresh.</summary>
public sealed record IntelOptions
{
    /// <summary>The feeds, in the order they are read.</summary>
    public IReadOnlyList<IntelFeedSource> Feeds { get; init; } = [];
}

/// <summary>One feed of <c>intel.feeds</c>: where it is read from, under what name, how often, and with what credentials.</summary>
/// <param name="Source">An http(s) URL, or a file path (resolved against the config file's folder).</param>
/// <param name="Name">The feed name its indicators are stored under (as <c>intel import</c> names it unless set).</param>
/// <param name="Format">A format to read it as (<see cref="IntelFeeds.Formats"/>), or null to recognize it from the content.</param>
/// <param name="Refresh">How often <c>serve</c> reads it again.</param>
/// <param name="Lifetime">How long an indicator the feed gives no expiry for stays in force after a refresh that last listed it.</param>
/// <param name="AuthHeader">An HTTP header sent with each request, <c>Name: value</c>, whose value may hold <c>${env:NAME}</c>; never printed.</param>
public sealed record IntelFeedSource(string Source, string Name, string? Format, TimeSpan Refresh, TimeSpan Lifetime, string? AuthHeader)
{
    /// <summary>The refresh interval when none is given.</summary>
    public static readonly TimeSpan DefaultRefresh = TimeSpan.FromHours(6);

    /// <summary>The lifetime when none is given (as <c>intel import --lifetime</c>).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);

    /// <summary>The shortest refresh interval accepted, so that a typo cannot hammer a feed's server.</summary>
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMinutes(1);

    /// <summary>True when <see cref="Source"/> is an http(s) URL.</summary>
    public bool IsUrl => Uri.TryCreate(Source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    /// <summary>True when the URL is a TAXII 2.1 collection's objects endpoint (<c>…/collections/{id}/objects/</c>).</summary>
    public bool IsTaxii => IsUrl && IntelFeedFetcher.IsTaxii(new Uri(Source));
}
