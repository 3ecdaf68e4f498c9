namespace PipeWatch.Events;

/// <summary>
/// The fields of a build-artifact event: a <see cref="EventKind.Telemetry"/> event of <c>event.category</c> <c>file</c> with the
/// ECS <c>file.path</c>, <c>file.name</c>, <c>file.size</c> and <c>file.hash.sha256</c>/<c>sha1</c>/<c>md5</c>, from
/// <c>ingest --artifacts</c>; a member of an archive carries the archive's path in <c>file.path</c> and its own in <see cref="Member"/>.
/// </summary>
internal static class ArtifactFields
{
    /// <summary><c>event.dataset</c> of artifact events.</summary>
    public const string Dataset = "pipewatch.artifact";

    /// <summary>The artifact's path under the folder given to <c>--artifacts</c> (its file name when a file was given), the same from one run to the next.</summary>
    public const string RelativePath = "pipewatch.artifact.path";

    /// <summary>The path of an archive member inside its archive (nested archives joined with <c>!/</c>).</summary>
    public const string Member = "file.archive.member";
}
