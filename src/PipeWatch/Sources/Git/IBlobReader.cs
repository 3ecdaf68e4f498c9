namespace PipeWatch.Sources.Git;

/// <summary>Reads file contents by blob id from the scanned repository.</summary>
public interface IBlobReader
{
    /// <summary>The blob's text as UTF-8, or null when the blob is missing or binary (contains a NUL byte in its first 8,000 bytes).</summary>
    string? ReadText(string blobId);
}

/// <summary>A blob reader that answers many ids in one round trip (as <see cref="IBlobReader.ReadText"/> each, in order).</summary>
internal interface IBatchBlobReader : IBlobReader
{
    string?[] ReadMany(IReadOnlyList<string> blobIds);
}
