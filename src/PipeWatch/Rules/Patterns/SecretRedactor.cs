using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Rules.Patterns;

/// <summary>Replaces every secret the scanner finds in a text with its redacted form (first characters, length, SHA-256 prefix).</summary>
/// <remarks>
/// Immutable and thread-safe. Applied to every finding where it enters the pipeline (<c>DetectionContext.Report</c>), so a
/// detector that quotes an event (a Sigma rule's matched command line, a step name, a URL) cannot carry a secret into an
/// output or the store, whatever it is. Redacting a redacted text changes nothing.
/// </remarks>
public sealed class SecretRedactor
{
    private readonly SecretScanner _scanner;

    public SecretRedactor(SecretScanner scanner)
    {
        ArgumentNullException.ThrowIfNull(scanner);
        _scanner = scanner;
    }

    /// <summary>The redactor of the built-in secret rules.</summary>
    /// <remarks>
    /// The built-in book's own scanner: every built-in rule has keywords and no scope, so it scans every rule in the book's
    /// order, the scanner this built before (<c>SecretRedactorTests</c>); a scan no longer builds the keyword table twice.
    /// </remarks>
    public static SecretRedactor BuiltIn { get; } = new(SecretRuleBook.BuiltIn.Scanner);

    /// <summary><paramref name="text"/> with each secret in it redacted; the same instance when it holds none.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return text;
        var matches = _scanner.Scan(text);
        if (matches.Count == 0) return text;
        var redacted = new StringBuilder(text.Length);
        var at = 0;
        foreach (var match in matches)
        {
            // Matches come in order of position; one that overlaps a span already redacted adds only its tail.
            var end = match.Index + match.Length;
            if (end <= at) continue;
            var start = Math.Max(at, match.Index);
            redacted.Append(text, at, start - at);
            redacted.Append(Evidence.Mask(text[start..end]));
            at = end;
        }

        return redacted.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>As <see cref="Redact(string)"/>, passing null through.</summary>
    public string? RedactOrNull(string? text) => text is null ? null : Redact(text);

    /// <summary>The finding with its title, explanation, entity, location and evidence redacted; the same instance when none held a secret.</summary>
    public Finding Redact(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var title = Redact(finding.Title);
        var explanation = Redact(finding.Explanation);
        var entity = Redact(finding.Entity);
        var location = Redact(finding.Location);
        Evidence[]? evidence = null;
        for (var i = 0; i < finding.Evidence.Count; i++)
        {
            var item = finding.Evidence[i];
            var value = Redact(item.Value);
            if (ReferenceEquals(value, item.Value)) continue;
            evidence ??= [.. finding.Evidence];
            evidence[i] = Evidence.Of(item.Name, value);
        }

        if (ReferenceEquals(title, finding.Title) && ReferenceEquals(explanation, finding.Explanation)
            && ReferenceEquals(entity, finding.Entity) && ReferenceEquals(location, finding.Location) && evidence is null)
        {
            return finding;
        }

        return finding with
        {
            Title = title,
            Explanation = explanation,
            Entity = entity,
            Location = location,
            Evidence = evidence ?? finding.Evidence,
        };
    }

    private Entity Redact(Entity entity)
    {
        var redacted = new Entity(
            RedactOrNull(entity.Repository), RedactOrNull(entity.Pipeline), RedactOrNull(entity.Job), RedactOrNull(entity.Step),
            RedactOrNull(entity.Actor), RedactOrNull(entity.Environment), RedactOrNull(entity.Target));
        return redacted == entity ? entity : redacted;
    }

    private Location Redact(Location location)
    {
        var redacted = location with { File = RedactOrNull(location.File), Url = RedactOrNull(location.Url) };
        return redacted == location ? location : redacted;
    }
}
