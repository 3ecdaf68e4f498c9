namespace PipeWatch.Dependencies.Versions;

/// <summary>Alpine (apk) version order: numbers, a letter, <c>_alpha</c>…<c>_p</c> suffixes with numbers, and <c>-r</c> revisions, token by token as <c>apk version -t</c> compares them.</summary>
/// <remarks>
/// A version is read as a run of typed tokens: digits (after a dot, leading zeros make the part a fraction that sorts low),
/// a letter, a suffix (<c>alpha</c> &lt; <c>beta</c> &lt; <c>pre</c> &lt; <c>rc</c> sort before the release; <c>cvs</c> &lt; <c>svn</c> &lt; <c>git</c> &lt;
/// <c>hg</c> &lt; <c>p</c> after it), the suffix's number, the revision number. Where one version ends first, the longer is
/// greater unless what follows is a pre-release suffix; a token out of that grammar ends the comparison as invalid.
/// </remarks>
internal sealed class AlpineComparer : IComparer<string>
{
    public static AlpineComparer Instance { get; } = new();

    private static readonly string[] PreSuffixes = ["alpha", "beta", "pre", "rc"];
    private static readonly string[] PostSuffixes = ["cvs", "svn", "git", "hg", "p"];

    private enum Token
    {
        Invalid = -1,
        DigitOrZero,
        Digit,
        Letter,
        Suffix,
        SuffixNumber,
        RevisionNumber,
        End,
    }

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").AsSpan();
        var b = (y ?? "").AsSpan();
        Token at = Token.Digit, bt = Token.Digit;
        long av = 0, bv = 0;
        while (at == bt && at is not (Token.End or Token.Invalid) && av == bv)
        {
            av = Next(ref at, ref a);
            bv = Next(ref bt, ref b);
        }

        if (av != bv) return av < bv ? -1 : 1;
        if (at == bt) return 0;

        // A version that turns invalid where the other goes on (or ends) is the lower, as current apk has it.
        if (at == Token.Invalid) return -1;
        if (bt == Token.Invalid) return 1;

        // Equal so far and one goes on: the longer is greater, unless what follows is a pre-release suffix.
        var peek = at;
        var rest = a;
        if (at == Token.Suffix && Next(ref peek, ref rest) < 0) return -1;
        peek = bt;
        rest = b;
        if (bt == Token.Suffix && Next(ref peek, ref rest) < 0) return 1;
        return at > bt ? -1 : bt > at ? 1 : 0;
    }

    /// <summary>The value of the token of type <paramref name="type"/> at the start of <paramref name="text"/>, consumed; <paramref name="type"/> becomes the next token's.</summary>
    private static long Next(ref Token type, ref ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            type = Token.End;
            return 0;
        }

        long value = 0;
        var i = 0;
        var next = Token.Invalid;
        switch (type)
        {
            case Token.DigitOrZero when text[0] == '0':
                // Leading zeros after a dot: a fraction, lower the more zeros it has.
                while (i + 1 < text.Length && text[i + 1] == '0') i++;
                next = Token.Digit;
                value = -i;
                break;
            case Token.DigitOrZero or Token.Digit or Token.SuffixNumber or Token.RevisionNumber:
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    value = value < long.MaxValue / 10 ? (value * 10) + (text[i] - '0') : long.MaxValue;
                    i++;
                }

                break;
            case Token.Letter:
                value = text[i++];
                break;
            case Token.Suffix:
                var pre = IndexOfPrefix(PreSuffixes, text);
                if (pre >= 0)
                {
                    i = PreSuffixes[pre].Length;
                    value = pre - PreSuffixes.Length;
                    break;
                }

                var post = IndexOfPrefix(PostSuffixes, text);
                if (post < 0)
                {
                    type = Token.Invalid;
                    return -1;
                }

                i = PostSuffixes[post].Length;
                value = post;
                break;
            default:
                type = Token.Invalid;
                return -1;
        }

        text = text[i..];
        if (text.IsEmpty) type = Token.End;
        else if (next != Token.Invalid) type = next;
        else NextType(ref type, ref text);
        return value;
    }

    private static int IndexOfPrefix(string[] names, ReadOnlySpan<char> text)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (text.StartsWith(names[i], StringComparison.Ordinal)) return i;
        }

        return -1;
    }

    /// <summary>The type of the token that follows one of type <paramref name="type"/>, consuming its separator.</summary>
    private static void NextType(ref Token type, ref ReadOnlySpan<char> text)
    {
        var n = Token.Invalid;
        if (text.IsEmpty)
        {
            n = Token.End;
        }
        else if (type is Token.Digit or Token.DigitOrZero && char.IsAsciiLetterLower(text[0]))
        {
            n = Token.Letter;
        }
        else if (type == Token.Letter && char.IsAsciiDigit(text[0]))
        {
            n = Token.Digit;
        }
        else if (type == Token.Suffix && char.IsAsciiDigit(text[0]))
        {
            n = Token.SuffixNumber;
        }
        else
        {
            switch (text[0])
            {
                case '.':
                    n = Token.DigitOrZero;
                    break;
                case '_':
                    n = Token.Suffix;
                    break;
                case '-' when text.Length > 1 && text[1] == 'r':
                    n = Token.RevisionNumber;
                    text = text[1..];
                    break;
            }

            text = text[1..];

            // A number part or a revision that starts with a letter ("1.2.r1", "1-ruff") is invalid.
            if (n is Token.DigitOrZero or Token.RevisionNumber && !text.IsEmpty && char.IsAsciiLetter(text[0])) n = Token.Invalid;
        }

        // Tokens come in grammar order; going back is invalid, except a new number part, a new suffix, or digits after a letter.
        if (n < type && !((n == Token.DigitOrZero && type == Token.Digit) || (n == Token.Suffix && type == Token.SuffixNumber) || (n == Token.Digit && type == Token.Letter)))
        {
            n = Token.Invalid;
        }

        type = n;
    }
}
