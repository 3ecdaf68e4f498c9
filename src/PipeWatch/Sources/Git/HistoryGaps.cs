namespace PipeWatch.Sources.Git;

/// <summary>Says when a repository holds only part of its history: a shallow clone (history cut) or a partial clone (objects left on the server).</summary>
internal static class HistoryGaps
{
    /// <summary>What is missing and what it means for a scan, or null for a complete clone.</summary>
    public static string? Describe(GitRepository repository)
    {
        var notes = new List<string>();
        if (repository.Shallow ?? repository.Run(["rev-parse", "--is-shallow-repository"], allowFailure: true)?.Trim() == "true")
        {
            var file = repository.Run(["rev-parse", "--git-path", "shallow"], allowFailure: true)?.Trim();
            var path = string.IsNullOrEmpty(file) ? null : Path.GetFullPath(file, repository.Root);
            var cuts = path is not null && File.Exists(path) ? File.ReadLines(path).Count(l => l.Trim().Length > 0) : 0;
            notes.Add($"a shallow clone: history ends at {cuts} grafted commit{(cuts == 1 ? "" : "s")}, so what came before is not scanned and the "
                + "baselines (authors, hours, places, deletion sizes) are learned from the part that is here: expect first-time authors "
                + "and unusual hours that a full clone would not report (fetch with --unshallow for a full history)");
        }

        // Read with the origin's url when the repository was opened: no git process here.
        var filter = repository.OriginSetting("partialclonefilter");
        var promisor = repository.OriginSetting("promisor");
        if (!string.IsNullOrEmpty(filter) || promisor == "true")
        {
            notes.Add($"a partial clone{(string.IsNullOrEmpty(filter) ? "" : $" (filter {filter})")}: objects left on the server are fetched "
                + "as git needs them, and any that cannot be fetched are reported and skipped");
        }

        return notes.Count == 0 ? null : "this repository is " + string.Join("; and ", notes) + ".";
    }
}
