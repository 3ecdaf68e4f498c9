using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources.Lockfiles;

/// <summary>Reads one dependency file (lockfile, manifest, workflow, Dockerfile, plugin list) into one <see cref="EventKind.Dependencies"/> event: its packages as they are now.</summary>
/// <remarks>
/// The file is recognized by its name (<see cref="LockfileParsers.For"/>). A file that cannot be parsed is reported with its
/// line and yields no event. The event id hashes the file's place, its content and the stamp given (the state of the
/// advisory index), so ingesting the same file again is skipped until the file or the imported advisories change.
/// </remarks>
internal sealed class LockfileSource : ISource
{
    private readonly ILockfileParser _parser;
    private readonly string? _stamp;

    /// <param name="path">The file on disk.</param>
    /// <param name="parser">Its format.</param>
    /// <param name="stamp">Anything that should make a re-read count as new (the advisory index's state); null for none.</param>
    public LockfileSource(string path, ILockfileParser parser, string? stamp = null)
    {
        Path = path;
        _parser = parser;
        _stamp = stamp;
    }

    public string Path { get; }

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[] bytes;
        DateTime written;
        try
        {
            bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
            written = File.GetLastWriteTimeUtc(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Problems.Report(new Problem(Path, $"cannot read: {ex.Message}"));
            yield break;
        }

        context.BytesRead?.Invoke(bytes.Length);
        if (bytes.AsSpan().Contains((byte)0))
        {
            context.Problems.Report(new Problem(Path, $"{_parser.Format}: binary file (contains NUL bytes), not a dependency file"));
            yield break;
        }

        var text = Encoding.UTF8.GetString(bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes);
        var parse = _parser.Parse(Path, text);
        foreach (var problem in parse.Problems) context.Problems.Report(problem with { Reason = $"{_parser.Format}: {problem.Reason}" });
        if (parse.Dependencies.Count == 0) yield break;

        var checkout = Checkout.Containing(Path);
        var shown = checkout is null ? Path : System.IO.Path.GetRelativePath(checkout.Root, Path).Replace('\\', '/');
        yield return new Event
        {
            Kind = EventKind.Dependencies,
            Id = $"dependencies:{Hash(shown, bytes, _stamp)}",
            Timestamp = new DateTimeOffset(written, TimeSpan.Zero),
            Dataset = "dependencies." + _parser.Format,
            Ci = CiContext.ForRepository(checkout?.Name),
            Origin = new Origin(Path),
            Dependencies = new DependencyFile(shown, _parser.Format, parse.Dependencies),
        };
    }

    private static string Hash(string path, byte[] content, string? stamp)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(path + "\n" + stamp + "\n"));
        hash.AppendData(content);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
