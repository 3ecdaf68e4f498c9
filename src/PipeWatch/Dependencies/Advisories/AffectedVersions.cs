using PipeWatch.Dependencies.Versions;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>Decides whether a version is affected by an <c>affected[]</c> entry, by OSV's evaluation of range events and explicit version lists.</summary>
internal static class AffectedVersions
{
    /// <summary>True when <paramref name="version"/> is listed or inside one of the ranges; <paramref name="fixedIn"/> is then the first fix above it, if any.</summary>
    /// <remarks>
    /// Per the OSV schema: events sorted by version (<c>introduced: "0"</c> first); an <c>introduced</c> at or below the version
    /// opens, a <c>fixed</c> at or below closes, a <c>last_affected</c> strictly below closes; a version at or above a
    /// <c>limit</c> is never in the range. Without a version order for the ecosystem only the explicit list is used.
    /// </remarks>
    public static bool Contains(AffectedPackage affected, string version, out string? fixedIn)
    {
        fixedIn = null;
        var order = VersionSchemes.For(affected.Ecosystem);
        if (affected.Versions.Count > 0 && affected.Versions.Any(v => order is null ? v == version : order.Compare(v, version) == 0))
        {
            fixedIn = order is null ? null : FirstFixAbove(affected, version, order);
            return true;
        }

        if (order is null || version.Length == 0) return false;
        foreach (var range in affected.Ranges)
        {
            if (InRange(range, version, order))
            {
                fixedIn = FirstFix(range, version, order);
                return true;
            }
        }

        return false;
    }

    /// <summary>The range's events in version order ("0" lowest; at equal versions an introduced first; limits last); as they are when already <see cref="AffectedRange.Sorted"/>, or without an order.</summary>
    public static IReadOnlyList<RangeEvent> Sorted(AffectedRange range, IComparer<string>? order) =>
        range.Sorted || order is null || range.Events.Count < 2
            ? range.Events
            : [.. range.Events.Where(e => e.Kind != RangeEventKind.Limit).Order(new EventOrder(order)), .. range.Events.Where(e => e.Kind == RangeEventKind.Limit)];

    private static bool InRange(AffectedRange range, string version, IComparer<string> order)
    {
        var affected = false;
        foreach (var e in Sorted(range, order))
        {
            switch (e.Kind)
            {
                case RangeEventKind.Limit when e.Version != "*" && order.Compare(version, e.Version) >= 0:
                    return false;
                case RangeEventKind.Introduced when e.Version == "0" || order.Compare(version, e.Version) >= 0:
                    affected = true;
                    break;
                case RangeEventKind.Fixed when order.Compare(version, e.Version) >= 0:
                    affected = false;
                    break;
                case RangeEventKind.LastAffected when order.Compare(version, e.Version) > 0:
                    affected = false;
                    break;
            }
        }

        return affected;
    }

    private static string? FirstFix(AffectedRange range, string version, IComparer<string> order) =>
        range.Events.Where(e => e.Kind == RangeEventKind.Fixed && order.Compare(e.Version, version) > 0)
            .Select(e => e.Version).Order(order).FirstOrDefault();

    private static string? FirstFixAbove(AffectedPackage affected, string version, IComparer<string> order) =>
        affected.Ranges.Select(r => FirstFix(r, version, order)).OfType<string>().Order(order).FirstOrDefault();

    /// <summary>Events by version, "0" lowest; at equal versions an introduced comes before the end events.</summary>
    private sealed class EventOrder(IComparer<string> order) : IComparer<RangeEvent>
    {
        public int Compare(RangeEvent? x, RangeEvent? y)
        {
            if (x!.Version == "0" || y!.Version == "0") return (x.Version == "0" ? 0 : 1) - (y!.Version == "0" ? 0 : 1);
            var c = order.Compare(x.Version, y.Version);
            return c != 0 ? c : (x.Kind == RangeEventKind.Introduced ? 0 : 1) - (y.Kind == RangeEventKind.Introduced ? 0 : 1);
        }
    }
}
