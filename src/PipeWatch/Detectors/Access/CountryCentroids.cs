using System.Globalization;

namespace PipeWatch.Detectors.Access;

/// <summary>The centroid of every country (ISO 3166-1 alpha-2), from the embedded <c>country-centroids.csv</c>, and great-circle distances between them.</summary>
internal static class CountryCentroids
{
    private const double EarthRadiusKm = 6371.0088;

    private static readonly Lazy<IReadOnlyDictionary<string, Centroid>> All = new(Load);

    /// <summary>The centroid of <paramref name="iso2"/>, or null for a code not in the table.</summary>
    public static Centroid? Find(string iso2) => All.Value.TryGetValue(iso2, out var c) ? c : null;

    /// <summary>Haversine distance in kilometres.</summary>
    public static double DistanceKm(Centroid a, Centroid b)
    {
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var dLat = Rad(b.Latitude - a.Latitude);
        var dLon = Rad(b.Longitude - a.Longitude);
        var h = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) +
            (Math.Cos(Rad(a.Latitude)) * Math.Cos(Rad(b.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    private static Dictionary<string, Centroid> Load()
    {
        using var stream = typeof(CountryCentroids).Assembly.GetManifestResourceStream("PipeWatch.country-centroids.csv")
            ?? throw new InvalidOperationException("The embedded country-centroids.csv is missing.");
        using var reader = new StreamReader(stream);
        var table = new Dictionary<string, Centroid>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#' || line.StartsWith("iso2,", StringComparison.Ordinal)) continue;
            var parts = line.Split(',', 4);
            table[parts[0]] = new Centroid(
                parts[0],
                double.Parse(parts[1], CultureInfo.InvariantCulture),
                double.Parse(parts[2], CultureInfo.InvariantCulture),
                parts[3].Trim('"'));
        }

        return table;
    }
}

/// <summary>A country's centroid.</summary>
internal sealed record Centroid(string Code, double Latitude, double Longitude, string Name);
