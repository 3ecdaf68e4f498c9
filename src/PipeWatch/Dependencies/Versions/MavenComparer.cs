namespace PipeWatch.Dependencies.Versions;

/// <summary>Maven version precedence as Maven's ComparableVersion defines it: numbers, qualifiers (alpha &lt; beta &lt; milestone &lt; rc &lt; snapshot &lt; release &lt; sp), '-' sublists.</summary>
internal sealed class MavenComparer : IComparer<string>
{
    public static MavenComparer Instance { get; } = new();

    private static readonly string[] Qualifiers = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

    public int Compare(string? x, string? y) => Math.Sign(CompareItems(Parse(x ?? ""), Parse(y ?? "")));

    private static List<object> Parse(string version)
    {
        var v = version.Trim().ToLowerInvariant();
        var root = new List<object>();
        var list = root;
        var stack = new Stack<List<object>>();
        stack.Push(list);
        var isDigit = false;
        var start = 0;
        for (var i = 0; i < v.Length; i++)
        {
            var c = v[i];
            if (c == '.')
            {
                list.Add(i == start ? "0#" : Item(isDigit, v[start..i], false));
                start = i + 1;
            }
            else if (c == '-')
            {
                list.Add(i == start ? "0#" : Item(isDigit, v[start..i], false));
                start = i + 1;
                list = Nest(list, stack);
            }
            else if (char.IsAsciiDigit(c))
            {
                if (!isDigit && i > start)
                {
                    list.Add(Item(false, v[start..i], true));
                    start = i;
                    list = Nest(list, stack);
                }

                isDigit = true;
            }
            else
            {
                if (isDigit && i > start)
                {
                    list.Add(Item(true, v[start..i], false));
                    start = i;
                    list = Nest(list, stack);
                }

                isDigit = false;
            }
        }

        if (v.Length > start) list.Add(Item(isDigit, v[start..], false));
        while (stack.Count > 0) Normalize(stack.Pop(), isRoot: stack.Count == 0);
        return root;
    }

    private static List<object> Nest(List<object> list, Stack<List<object>> stack)
    {
        var inner = new List<object>();
        list.Add(inner);
        stack.Push(inner);
        return inner;
    }

    // Numbers are kept as digit strings ending in '#' (any length); qualifiers as strings; sublists as lists.
    private static object Item(bool digits, string text, bool followedByDigit)
    {
        if (digits) return text.TrimStart('0') + "#";
        if (followedByDigit && text.Length == 1) text = text switch { "a" => "alpha", "b" => "beta", "m" => "milestone", _ => text };
        return text switch { "ga" or "final" or "release" => "", "cr" => "rc", _ => text };
    }

    private static void Normalize(List<object> list, bool isRoot)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (IsNull(list[i])) list.RemoveAt(i);
            else if (list[i] is not List<object>) break;
        }

        // A sublist left holding only a sublist is that sublist: "1-ga-1" is "1-1", as the version order specification trims at each hyphen.
        while (!isRoot && list.Count == 1 && list[0] is List<object> only)
        {
            list.Clear();
            list.AddRange(only);
        }
    }

    private static bool IsNull(object item) => item switch
    {
        string s when s.EndsWith('#') => s == "#",
        string s => s.Length == 0,
        List<object> l => l.Count == 0,
        _ => false,
    };

    private static bool IsNumber(object item) => item is string s && s.EndsWith('#');

    private static string Qualifier(string q)
    {
        var i = Array.IndexOf(Qualifiers, q);
        return i >= 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Qualifiers.Length}-{q}";
    }

    /// <summary>Compares two items; <paramref name="b"/> null stands for a missing item (padding).</summary>
    private static int CompareItem(object a, object? b)
    {
        if (IsNumber(a))
        {
            var n = (string)a;
            return b switch
            {
                null => n == "#" ? 0 : 1,
                string s when IsNumber(s) => VersionText.CompareDigits(n.AsSpan(0, n.Length - 1), s.AsSpan(0, s.Length - 1)),
                _ => 1,
            };
        }

        if (a is string q)
        {
            return b switch
            {
                null => string.CompareOrdinal(Qualifier(q), "5"),
                string s when IsNumber(s) => -1,
                string s => string.CompareOrdinal(Qualifier(q), Qualifier(s)),
                _ => -1,
            };
        }

        var list = (List<object>)a;
        return b switch
        {
            null => list.Count == 0 ? 0 : CompareItem(list[0], null),
            List<object> other => CompareItems(list, other),
            string s when IsNumber(s) => -1,
            _ => 1,
        };
    }

    private static int CompareItems(List<object> a, List<object> b)
    {
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var l = i < a.Count ? a[i] : null;
            var r = i < b.Count ? b[i] : null;
            var c = l is null ? (r is null ? 0 : -CompareItem(r, null)) : CompareItem(l, r);
            if (c != 0) return c;
        }

        return 0;
    }
}
