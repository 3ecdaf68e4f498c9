using Microsoft.Playwright;
using PipeWatch.Server;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Dashboard;

/// <summary>
/// Debian's chromium driven by Playwright's .NET driver (its bundled node), headless, never downloading a browser; and two real
/// servers on loopback: one on a fresh store, one that replayed the demo and attack histories (as <c>serve --demo</c> does).
/// </summary>
/// <remarks>
/// Without /usr/bin/chromium the browser tests skip with the reason, except under CI (<c>CI</c> set, as .ci/run's caller does),
/// where its absence fails them: .ci/run installs it.
/// </remarks>
public sealed class DashboardBrowser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    // This machine's closed network refuses Chromium's own background connections; these keep it from trying.
    private static readonly string[] Arguments =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    /// <summary>Why the tests skip (no chromium outside CI), or null.</summary>
    public string? SkipReason { get; private set; }

    internal RunningServer? Fresh { get; private set; }

    internal RunningServer? Demo { get; private set; }

    /// <summary>Where the screenshots go: the test output folder, not the repository.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                throw new InvalidOperationException($"{Chromium} is missing under CI: .ci/run installs Debian's chromium for the dashboard's browser tests");
            }

            SkipReason = $"{Chromium} is not installed (apt-get install chromium); the dashboard's browser tests need it, and run under CI";
            return;
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = Arguments, Timeout = 60_000 });
        Fresh = await RunningServer.StartAsync();
        Demo = await RunningServer.StartAsync();
        var samples = DemoReplay.FindSamples(Corpus.RepositoryRoot) ?? throw new InvalidOperationException("samples/demo and samples/attack are missing");
        await DemoReplay.RunAsync(Demo.Server, samples, RunningServer.IngestToken, TextWriter.Null, CancellationToken.None);
    }

    /// <summary>A new browser context (its own cookies) at 1280×800 in the given colour scheme, recording every request its pages make.</summary>
    internal async Task<Session> OpenAsync(RunningServer server, ColorScheme scheme = ColorScheme.Light, int width = 1280, int height = 800)
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            BaseURL = server.Server.Addresses[0].ToString(),
        });
        // Generous: a CI machine busy with the rest of the suite has delayed a navigation past 15 s (the tests' own limit is 120 s).
        context.SetDefaultTimeout(45_000);
        var page = await context.NewPageAsync();
        var session = new Session(server.Server.Addresses[0], context, page);
        page.Request += (_, request) => session.RequestLog.Enqueue(request.Url);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Fresh is not null) await Fresh.DisposeAsync();
        if (Demo is not null) await Demo.DisposeAsync();
    }

    /// <summary>One browser context on one server, and the URLs its pages requested.</summary>
    public sealed class Session(Uri origin, IBrowserContext context, IPage page) : IAsyncDisposable
    {
        public IBrowserContext Context { get; } = context;

        public IPage Page { get; } = page;

        public System.Collections.Concurrent.ConcurrentQueue<string> RequestLog { get; } = new();

        /// <summary>Signs in through the form and waits for the findings list.</summary>
        public async Task SignInAsync(string token = RunningServer.ApiToken, string name = "analyst")
        {
            await Page.GotoAsync("/login");
            await Page.FillAsync("#name", name);
            await Page.FillAsync("#token", token);
            await Page.ClickAsync("#sign-in");
        }

        /// <summary>Waits until the page has drawn the route (<c>#view[data-ready=ROUTE]</c>).</summary>
        public Task ReadyAsync(string route) => Page.Locator($"#view[data-ready='{route}']").WaitForAsync();

        public async Task ScreenshotAsync(string name, bool fullPage = false)
        {
            Directory.CreateDirectory(Screenshots);
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = fullPage });
        }

        /// <summary>Every request the pages made went to the server's own origin (data: URLs aside).</summary>
        public void AssertSameOrigin()
        {
            var home = origin.GetLeftPart(UriPartial.Authority);
            var elsewhere = RequestLog.Where(u => !u.StartsWith(home + "/", StringComparison.Ordinal) && !u.StartsWith("data:", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(RequestLog);
            Assert.True(elsewhere.Count == 0, "requests that left the origin: " + string.Join(", ", elsewhere));
        }

        public async ValueTask DisposeAsync() => await Context.DisposeAsync();
    }
}
