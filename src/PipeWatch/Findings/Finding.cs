namespace PipeWatch.Findings;

/// <summary>One explained indicator of compromise, as stored, deduplicated and sent to sinks.</summary>
public sealed record Finding
{
    /// <summary>The detector or rule that raised it, e.g. <c>pipeline.long-duration</c>.</summary>
    public required string Rule { get; init; }

    /// <summary>One id from <see cref="Categories"/>.</summary>
    public required string Category { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>One line for a list view.</summary>
    public required string Title { get; init; }

    /// <summary>Why this crossed the line: the observed value, the baseline and the threshold.</summary>
    public required string Explanation { get; init; }

    /// <summary>Who or what the finding is about.</summary>
    public required Entity Entity { get; init; }

    /// <summary>Where to look.</summary>
    public required Location Location { get; init; }

    /// <summary>Supporting values, already redacted.</summary>
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];

    /// <summary>MITRE ATT&amp;CK technique ids, e.g. <c>T1195.002</c>.</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    /// <summary>When the observed thing happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>When PipeWatch raised it.</summary>
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>The dedup key: a finding is reported once per fingerprint per store. See <see cref="Findings.Fingerprint"/>.</summary>
    public required string Fingerprint { get; init; }
}

/// <summary>The subject of a finding: repository, pipeline, job, step, actor, environment, and the account acted upon (each optional).</summary>
/// <param name="Target">The account the actor acted upon (<c>user.target.name</c>): the collaborator added, the member promoted.</param>
public sealed record Entity(
    string? Repository = null,
    string? Pipeline = null,
    string? Job = null,
    string? Step = null,
    string? Actor = null,
    string? Environment = null,
    string? Target = null)
{
    /// <summary>A compact "repo › pipeline › job › step" for tables.</summary>
    public override string ToString() =>
        string.Join(" › ", new[] { Repository, Pipeline, Job, Step }.Where(p => !string.IsNullOrEmpty(p)));
}

/// <summary>Where a person should look: a run, a file and line, a commit, a URL (each optional).</summary>
public sealed record Location(
    string? RunId = null,
    string? File = null,
    int? Line = null,
    string? Commit = null,
    string? Url = null)
{
    /// <summary>A compact form for tables: "run 42 (file:line)".</summary>
    public override string ToString()
    {
        var parts = new List<string>(3);
        if (RunId is not null) parts.Add($"run {RunId}");
        if (File is not null) parts.Add(Line is { } line ? $"{File}:{line}" : File);
        if (Commit is not null) parts.Add(Commit.Length > 12 ? Commit[..12] : Commit);
        return string.Join(" ", parts);
    }
}
