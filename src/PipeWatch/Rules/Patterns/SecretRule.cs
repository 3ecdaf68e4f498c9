using System.Text.RegularExpressions;
using PipeWatch.Findings;

namespace PipeWatch.Rules.Patterns;

/// <summary>A secret-pattern rule as loaded, validated and compiled from <c>rules/secrets/</c>; immutable.</summary>
public sealed class SecretRule
{
    /// <summary>How far either side of a keyword hit the regex looks unless a rule sets <c>window</c>.</summary>
    /// <remarks>
    /// 512 characters covers the longest single-line tokens (a fine-grained GitHub PAT is 93 characters, an Anthropic key 108,
    /// a Slack webhook URL about 80) plus the context an assignment rule reads before its value (<c>aws_secret_access_key = "</c>),
    /// while keeping the regex work proportional to the keyword hits, not to the text. Multi-line secrets (PEM blocks, JWTs)
    /// set a wider <c>window</c> of their own.
    /// </remarks>
    public const int DefaultWindow = 512;

    /// <summary>Characters a rule's regex runs over with the interpreter before it is compiled to IL.</summary>
    /// <remarks>
    /// Compiling one regex costs its IL emission (0.3–4 ms) and then the JIT of the emitted matcher (2–40 ms for the built-in
    /// rules), while the interpreter over a window of 1,000 characters costs 0.4–80 µs, and for many rules is as fast as the
    /// compiled code (its vectorized search for the pattern's first characters is the same). Measured on source text, the
    /// compile paid for itself after 0.5 M characters for the busiest rule (the generic assignment) and after 8–40 M or never for
    /// the others. Counting windows instead (32 of them) compiled a dozen rules in a 269-commit history, a third of its scan.
    /// So a rule is compiled once it has run over this many characters: the few busy rules of a large tree still compile early.
    /// </remarks>
    internal const int InterpretedCharacters = 1 << 20;

    private readonly Lazy<Regex> _pattern;
    private readonly Lazy<int> _secretGroup;
    private readonly Lazy<Regex> _compiled;
    private long _interpreted;

    internal SecretRule(string id, string description, IReadOnlyList<string> keywords, Regex pattern, int secretGroup,
        double? entropy, Severity severity, SecretChecksum checksum, int window, IReadOnlyList<string> matchExamples, IReadOnlyList<string> noMatchExamples)
        : this(id, description, keywords, new Lazy<Regex>(pattern), new Lazy<int>(secretGroup), entropy, severity, checksum, window, matchExamples, noMatchExamples)
    {
    }

    /// <summary>A rule whose regex is parsed only when it is first needed (a keyword of the rule hit), and its group resolved then.</summary>
    /// <remarks>
    /// For the built-in rules, whose files cannot change after the build and which the tests load proven: parsing the 286
    /// regexes was a third of every scan's start-up, and most rules never see a keyword hit in a scan.
    /// </remarks>
    internal SecretRule(string id, string description, IReadOnlyList<string> keywords, Func<Regex> pattern, Func<Regex, int> secretGroup,
        double? entropy, Severity severity, SecretChecksum checksum, int window, IReadOnlyList<string> matchExamples, IReadOnlyList<string> noMatchExamples)
        : this(id, description, keywords, new Lazy<Regex>(pattern, LazyThreadSafetyMode.ExecutionAndPublication), null!, entropy, severity, checksum, window, matchExamples, noMatchExamples)
    {
        _secretGroup = new Lazy<int>(() => secretGroup(_pattern.Value), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private SecretRule(string id, string description, IReadOnlyList<string> keywords, Lazy<Regex> pattern, Lazy<int> secretGroup,
        double? entropy, Severity severity, SecretChecksum checksum, int window, IReadOnlyList<string> matchExamples, IReadOnlyList<string> noMatchExamples)
    {
        Id = id;
        Description = description;
        Keywords = keywords;
        _pattern = pattern;
        _secretGroup = secretGroup;
        Entropy = entropy;
        Severity = severity;
        Checksum = checksum;
        Window = window;
        MatchExamples = matchExamples;
        NoMatchExamples = noMatchExamples;
        _compiled = new Lazy<Regex>(
            () => (Pattern.Options & RegexOptions.Compiled) != 0 ? Pattern : new Regex(Pattern.ToString(), Pattern.Options | RegexOptions.Compiled, Pattern.MatchTimeout),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Stable kebab-case id, also the doc anchor.</summary>
    public string Id { get; }

    public string Description { get; }

    /// <summary>Lower-case literals, one of which must occur near a match (compared ignoring case).</summary>
    public IReadOnlyList<string> Keywords { get; }

    /// <summary>The regex as loaded: what the rule means, built without compilation (cheap), used to validate and prove it.</summary>
    /// <remarks>Thread-safe; for a built-in rule, parsed on first use.</remarks>
    public Regex Pattern => _pattern.Value;

    /// <summary>The regex to scan with: <see cref="Pattern"/> itself while the rule has run over fewer than <see cref="InterpretedCharacters"/>, then the same pattern compiled to IL, built once on first need.</summary>
    /// <remarks>Thread-safe. Both engines give the same matches; only the speed differs. Counts one default window each time.</remarks>
    public Regex Matcher => MatcherFor(2 * DefaultWindow);

    /// <summary>As <see cref="Matcher"/>, for a run over <paramref name="characters"/> characters.</summary>
    internal Regex MatcherFor(int characters) =>
        _compiled.IsValueCreated || Interlocked.Add(ref _interpreted, characters) > InterpretedCharacters ? _compiled.Value : Pattern;

    /// <summary>The regex group holding the secret itself (0: the whole match).</summary>
    public int SecretGroup => _secretGroup.Value;

    /// <summary>The minimum Shannon entropy, in bits per character, of the secret; null when not gated.</summary>
    public double? Entropy { get; }

    public Severity Severity { get; }

    public SecretChecksum Checksum { get; }

    /// <summary>Characters either side of a keyword hit that the regex is run over.</summary>
    public int Window { get; }

    public IReadOnlyList<string> MatchExamples { get; }

    public IReadOnlyList<string> NoMatchExamples { get; }

    /// <summary>True once <see cref="Pattern"/> has been built (always, for a rule not loaded lazily).</summary>
    internal bool IsPatternBuilt => _pattern.IsValueCreated;

    /// <summary>True when <paramref name="secret"/> passes this rule's entropy floor and checksum.</summary>
    public bool Accepts(string secret) =>
        (Entropy is not { } floor || ShannonEntropy.Of(secret) >= floor) && SecretChecksums.IsValid(Checksum, secret);
}
