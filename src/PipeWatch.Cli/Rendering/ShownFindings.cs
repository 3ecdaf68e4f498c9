using System.Globalization;
using PipeWatch.Findings;
using PipeWatch.Sinks;

namespace PipeWatch.Cli.Rendering;

/// <summary>
/// The output sink of a command, counted: which committed findings it actually wrote. When output was cut short (stdout closed,
/// a disk full, a sink that did not finish before an interrupted run ended), the summary says how many findings are in the store
/// and not shown, and the command that lists them.
/// </summary>
/// <remarks>Called by the sink's own isolated task only, batch by batch; read after the engine has completed its sinks.</remarks>
internal sealed class ShownFindings(IFindingSink output) : IFindingSink
{
    private readonly HashSet<string> _shown = new(StringComparer.Ordinal);
    private bool _lost;

    public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var result = await output.EmitAsync(batch, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            foreach (var alert in batch) _shown.Add(alert.Finding.Fingerprint);
        }

        return result;
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await output.CompleteAsync(cancellationToken).ConfigureAwait(false);
            // A format written whole at the end (SARIF), or a last flush that failed: what it was given may not have been written.
            _lost = !result.Succeeded;
            return result;
        }
        catch
        {
            _lost = true;
            throw;
        }
    }

    /// <summary>The summary line for <paramref name="committed"/> findings this sink did not write, or null when it wrote them all.</summary>
    public string? NotShown(IReadOnlyList<Finding> committed, string storePath, string format)
    {
        var missing = _lost ? committed : [.. committed.Where(f => !_shown.Contains(f.Fingerprint))];
        if (missing.Count == 0) return null;
        var since = missing.Min(f => f.Timestamp).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var listFormat = format is "table" or "json" ? format : "json";
        return $"{missing.Count:N0} finding{(missing.Count == 1 ? "" : "s")} in the store not shown (the output was cut short); " +
            $"list them with: pipewatch findings --store {Quote(storePath)} --since {since} --format {listFormat}";
    }

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or '\\' or ';' or '&' or '|')
        ? "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'"
        : path;
}
