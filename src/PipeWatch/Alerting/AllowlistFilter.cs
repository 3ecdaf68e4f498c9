using System.Text.RegularExpressions;
using PipeWatch.Findings;

namespace PipeWatch.Alerting;

/// <summary>Drops findings that match an <c>allow:</c> entry of pipewatch.yml (known-flaky steps, expected slow jobs…).</summary>
public sealed class AllowlistFilter : IFindingFilter
{
    private readonly IReadOnlyList<CompiledEntry> _entries;

    public AllowlistFilter(IReadOnlyList<AllowEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries.Select(Compile)];
    }

    public bool ShouldEmit(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return !_entries.Any(entry => entry.Matches(finding));
    }

    private static CompiledEntry Compile(AllowEntry entry) => new(
        Glob(entry.Rule), Glob(entry.Category), Glob(entry.Repository), Glob(entry.Pipeline), Glob(entry.Job), Glob(entry.Step), Glob(entry.Actor), PathGlob(entry.Path));

    /// <summary>A glob (<c>*</c>, <c>?</c>) as a compiled, anchored, case-insensitive regex; null matches anything.</summary>
    private static Regex? Glob(string? pattern) => pattern is null
        ? null
        : new Regex(
            "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>A path glob: <c>**</c> any run of folders, <c>*</c> and <c>?</c> within one name; a trailing slash takes the folder's files.</summary>
    private static Regex? PathGlob(string? pattern)
    {
        if (pattern is null) return null;
        if (pattern.EndsWith('/')) pattern += "**";
        var body = Regex.Escape(pattern)
            .Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal);
        return new Regex("^" + body + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    private sealed record CompiledEntry(Regex? Rule, Regex? Category, Regex? Repository, Regex? Pipeline, Regex? Job, Regex? Step, Regex? Actor, Regex? Path)
    {
        public bool Matches(Finding f) =>
            Match(Rule, f.Rule) && Match(Category, f.Category) && Match(Repository, f.Entity.Repository) && Match(Pipeline, f.Entity.Pipeline)
            && Match(Job, f.Entity.Job) && Match(Step, f.Entity.Step) && Match(Actor, f.Entity.Actor)
            && Match(Path, f.Location.File?.Replace('\\', '/'));

        private static bool Match(Regex? pattern, string? value) => pattern is null || (value is not null && pattern.IsMatch(value));
    }
}
