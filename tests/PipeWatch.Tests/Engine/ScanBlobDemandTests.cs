using PipeWatch.Engine;
using PipeWatch.Sources.Git;
using Xunit;

namespace PipeWatch.Tests.Engine;

public sealed class ScanBlobDemandTests
{
    [Fact]
    public void A_chunks_lockfile_versions_it_made_are_superseded_but_the_last_of_each_path_and_CI_definitions_are_kept()
    {
        GitFileChange[] chunk =
        [
            Change("package-lock.json", "v0", "v1"),
            Change(".github/workflows/ci.yml", "w0", "w1"),
            Change("package-lock.json", "v1", "v2"),
            // Two lockfiles with equal content: v2 is replaced at the top but is still the last version of the other path.
            Change("packages/a/package-lock.json", null, "v2", FileChangeKind.Added),
            Change("yarn.lock", "y0", "y1"),
            Change("package-lock.json", "v2", "v3"),
            // Renamed with a change: the old path is gone, its version replaced.
            Change("web/pnpm-lock.yaml", "p0", "p1", FileChangeKind.Renamed, oldPath: "pnpm-lock.yaml"),
            Change("yarn.lock", "y1", null, FileChangeKind.Deleted),
        ];

        var superseded = ScanBlobDemand.Superseded(chunk);

        // Versions the chunk made only: v0, y0 and p0 came from the chunk before, whose worker may still be preparing them.
        Assert.Equal(["v1", "y1"], superseded.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_chunk_that_changes_no_lockfile_lets_nothing_go()
    {
        GitFileChange[] chunk = [Change(".github/workflows/ci.yml", "w0", "w1"), Change("src/app.js", "s0", "s1"), Change(".github/workflows/ci.yml", "w1", "w2")];

        Assert.Empty(ScanBlobDemand.Superseded(chunk));
    }

    private static GitFileChange Change(string path, string? before, string? after, FileChangeKind kind = FileChangeKind.Modified, string? oldPath = null) =>
        new(path, oldPath, kind, before, after, 1, 1, false, []);
}
