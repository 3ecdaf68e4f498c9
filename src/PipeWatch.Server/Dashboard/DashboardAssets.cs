using System.Security.Cryptography;

namespace PipeWatch.Server.Dashboard;

/// <summary>One static file of the dashboard: its bytes, content type and ETag.</summary>
internal sealed record DashboardAsset(byte[] Content, string ContentType, string ETag);

/// <summary>The dashboard's static files, embedded in this assembly (<c>Dashboard/wwwroot</c>), so a published build carries them.</summary>
internal static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    /// <summary>Every embedded file by its name (<c>app.js</c>), read once.</summary>
    public static IReadOnlyDictionary<string, DashboardAsset> All { get; } = Load();

    private static Dictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var name = resource[Prefix.Length..];
            assets[name] = new DashboardAsset(bytes, TypeOf(name), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }

        return assets;
    }

    private static string TypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };
}
