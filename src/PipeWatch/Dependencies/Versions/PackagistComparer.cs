using System.Text;

namespace PipeWatch.Dependencies.Versions;

/// <summary>Composer/Packagist precedence as PHP's <c>version_compare</c>: canonical dots between digit and letter runs, special forms dev &lt; alpha &lt; beta &lt; RC &lt; number &lt; pl.</summary>
internal sealed class PackagistComparer : IComparer<string>
{
    public static PackagistComparer Instance { get; } = new();

    private static readonly (string Name, int Order)[] Forms =
        [("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4), ("pl", 5), ("p", 5)];

    public int Compare(string? x, string? y) => CompareParts(Canonical(Strip(x)), Canonical(Strip(y)));

    private static string Strip(string? v)
    {
        var s = (v ?? "").Trim();
        return s.StartsWith('v') || s.StartsWith('V') ? s[1..] : s;
    }

    private static string[] Canonical(string version)
    {
        if (version.Length == 0) return [];
        var q = new StringBuilder(version.Length * 2);
        q.Append(version[0]);
        var lp = version[0];
        for (var i = 1; i < version.Length; i++)
        {
            var p = version[i];
            if (p is '-' or '_' or '+')
            {
                if (q[^1] != '.') q.Append('.');
            }
            else if ((IsNonDigit(lp) && IsDigit(p)) || (IsDigit(lp) && IsNonDigit(p)))
            {
                if (q[^1] != '.') q.Append('.');
                q.Append(p);
            }
            else
            {
                q.Append(p);
            }

            lp = p;
        }

        // PHP splits with strtok, which skips empty parts.
        return q.ToString().Split('.', StringSplitOptions.RemoveEmptyEntries);
    }

    private static bool IsDigit(char c) => char.IsAsciiDigit(c);

    private static bool IsNonDigit(char c) => !char.IsAsciiDigit(c) && c != '.';

    private static int CompareParts(string[] a, string[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var c = ComparePart(a[i], b[i]);
            if (c != 0) return c;
        }

        if (a.Length > n) return IsDigit(a[n].FirstOrDefault()) ? 1 : CompareParts(a[n..], ["#N#"]);
        if (b.Length > n) return IsDigit(b[n].FirstOrDefault()) ? -1 : CompareParts(["#N#"], b[n..]);
        return 0;
    }

    private static int ComparePart(string a, string b)
    {
        var an = a.Length > 0 && IsDigit(a[0]);
        var bn = b.Length > 0 && IsDigit(b[0]);
        if (an && bn) return VersionText.CompareDigits(a.TakeWhile(IsDigit).ToArray(), b.TakeWhile(IsDigit).ToArray());
        return Math.Sign(Form(an ? "#N#" : a) - Form(bn ? "#N#" : b));
    }

    private static int Form(string s)
    {
        foreach (var (name, order) in Forms)
        {
            if (s.StartsWith(name, StringComparison.Ordinal)) return order;
        }

        return -6;
    }
}
