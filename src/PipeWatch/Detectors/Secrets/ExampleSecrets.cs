using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors.Secrets;

/// <summary>
/// Free-form credentials that are examples, not secrets: a value that says what it is (<c>'development key'</c>,
/// <c>example-password</c>, <c>a%20secret</c>), and a value shown in documentation.
/// </summary>
/// <remarks>
/// Only rules whose secret is free text (a password, a framework's secret key, the password of a URL) are judged this way:
/// a provider token (<c>ghp_…</c>, <c>AKIA…</c>) has a format of its own and is reported wherever it is. The words are those
/// <see cref="ConfigFileSecrets.IsPlaceholder"/> treats as placeholders in configuration files. A documented value keeps a
/// finding, at low severity: a project's documentation shows a sample key far more often than it leaks one.
/// </remarks>
internal static class ExampleSecrets
{
    private static readonly HashSet<string> FreeForm = new(StringComparer.Ordinal)
    {
        "netrc-password", "django-secret-key", "flask-secret-key", "basic-auth-url", "postgres-url-with-password", "mysql-url-with-password",
        "mongodb-url-with-password", "redis-url-with-password", "amqp-url-with-password", "generic-secret-assignment", "generic-secret-env",
        "generic-password-assignment", "generic-password-config", "generic-secret-config",
    };

    private static readonly string[] DocumentExtensions = [".md", ".rst", ".adoc", ".txt", ".markdown"];

    // Besides the configuration placeholders: what a test or tutorial calls its key ('development key', Flask's tests and tutorial).
    private static readonly string[] ExampleWords = ["development", "tutorial"];

    /// <summary>True when <paramref name="rule"/> is free-form and <paramref name="secret"/> announces itself as a placeholder.</summary>
    public static bool IsSelfDescribed(string rule, string secret) =>
        FreeForm.Contains(rule) && Uri.UnescapeDataString(secret).Trim() is var value
        && (ConfigFileSecrets.IsPlaceholder(string.Empty, value) || ExampleWords.Any(w => value.Contains(w, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The severity of a free-form rule's finding in <paramref name="path"/>: low in documentation, the rule's own elsewhere.</summary>
    public static Severity SeverityIn(string rule, string path, Severity ruleSeverity) =>
        FreeForm.Contains(rule) && IsDocumentation(path) && ruleSeverity > Severity.Low ? Severity.Low : ruleSeverity;

    private static bool IsDocumentation(string path)
    {
        var p = path.Replace('\\', '/');
        var name = p[(p.LastIndexOf('/') + 1)..];
        return DocumentExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase))
            || p.StartsWith("docs/", StringComparison.OrdinalIgnoreCase) || p.Contains("/docs/", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("doc/", StringComparison.OrdinalIgnoreCase);
    }
}
