using System.Text.RegularExpressions;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>GitHub Actions <c>${{ … }}</c> expressions: where they are, what contexts they read, and which of those an outsider controls.</summary>
internal static partial class Expressions
{
    // Leaves of github.event that hold ids, numbers, hashes, flags, times or login names: not free text.
    private static readonly HashSet<string> SafeLeaves = new(StringComparer.Ordinal)
    {
        "id", "number", "sha", "node_id", "fork", "draft", "merged", "private", "size", "created_at", "updated_at", "closed_at",
        "merged_at", "pushed_at", "submitted_at", "html_url", "url", "run_number", "run_attempt", "run_id", "workflow_id",
        "check_suite_id", "action", "state", "type", "additions", "deletions", "changed_files", "commits", "comments", "locked",
        "site_admin", "login", "after", "before", "head_sha", "base_sha", "forced", "created", "deleted", "full_name",
        "conclusion", "status", "event", "author_association",
    };

    /// <summary>Each <c>${{ … }}</c> in <paramref name="text"/>: the index of its opening and the expression inside.</summary>
    public static IEnumerable<(int Index, string Inner)> Spans(string text)
    {
        var at = 0;
        while ((at = text.IndexOf("${{", at, StringComparison.Ordinal)) >= 0)
        {
            var end = text.IndexOf("}}", at + 3, StringComparison.Ordinal);
            if (end < 0) yield break;
            yield return (at, text[(at + 3)..end].Trim());
            at = end + 2;
        }
    }

    /// <summary>The context paths an expression reads, normalised: <c>github['event']['issue']</c> → <c>github.event.issue</c>, <c>[0]</c> → <c>.*</c>.</summary>
    public static IEnumerable<string> References(string inner)
    {
        // (a || b).leaf reads a.leaf or b.leaf, not the objects a and b.
        inner = Grouped().Replace(inner, g => string.Join(" || ", g.Groups[1].Value.Split("||").Select(a => a.Trim() + "." + g.Groups[2].Value)));
        foreach (Match m in Reference().Matches(inner))
        {
            var path = Index().Replace(m.Value, i =>
            {
                var key = i.Groups[1].Value.Trim().Trim('\'', '"');
                return key.Length > 0 && key.All(char.IsAsciiDigit) || key == "*" ? ".*" : "." + key;
            });
            yield return path;
        }
    }

    /// <summary>True when the expression can only yield a boolean (a comparison or a <c>contains</c>/<c>startsWith</c>/<c>endsWith</c> test), so no text flows out of it.</summary>
    public static bool IsBooleanOnly(string inner)
    {
        if (Comparison().IsMatch(inner)) return true;
        var trimmed = inner.TrimStart('!', ' ', '(');
        var test = trimmed.StartsWith("contains(", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("startsWith(", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("endsWith(", StringComparison.OrdinalIgnoreCase);
        return test && !inner.Contains("||", StringComparison.Ordinal) && !inner.Contains("&&", StringComparison.Ordinal);
    }

    /// <summary>True for a <c>github.*</c> path whose value a person outside the repository can choose: titles, bodies, branch names, commit messages…</summary>
    public static bool IsAttackerControlled(string path)
    {
        if (path is "github.head_ref") return true;
        if (!path.StartsWith("github.event.", StringComparison.Ordinal)) return false;
        var segments = path["github.event.".Length..].Split('.');
        if (segments[0] is "inputs") return false;
        if (path.Contains(".head.ref", StringComparison.Ordinal) || path.Contains(".head.label", StringComparison.Ordinal)
            || path.Contains("head_branch", StringComparison.Ordinal) || path.Contains("default_branch", StringComparison.Ordinal))
        {
            return true;
        }

        var leaf = segments[^1];
        if (leaf == "ref" && segments.Length <= 2) return false;
        return !SafeLeaves.Contains(leaf) && leaf != "*";
    }

    [GeneratedRegex(@"\b(?:github|inputs|env|matrix|steps|needs|secrets)(?:\.[A-Za-z_][\w-]*|\.\*|\[[^\]]*\])+")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\(([^()]*\|\|[^()]*)\)\.([\w.-]+)")]
    private static partial Regex Grouped();

    [GeneratedRegex(@"\[([^\]]*)\]")]
    private static partial Regex Index();

    [GeneratedRegex(@"==|!=|<=|>=|\s<\s|\s>\s")]
    private static partial Regex Comparison();
}
