using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Sinks;

namespace PipeWatch.Alerting;

/// <summary>
/// A baseline file of accepted findings (<c>pipewatch scan --write-baseline</c>): their fingerprints, with the rule, file, line and
/// commit for the reader. With <c>--baseline</c>, findings it lists are not reported, so an old repository shows only new leaks.
/// </summary>
/// <remarks>Holds no secret: a fingerprint is a hash over the rule, place and the secret's own hash.</remarks>
public sealed class FindingBaseline : IFindingFilter
{
    /// <summary>The format version written in the file.</summary>
    public const int Version = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };
    private readonly IReadOnlyList<Entry> _entries;
    private readonly HashSet<string> _fingerprints;

    private FindingBaseline(IReadOnlyList<Entry> entries)
    {
        _entries = entries;
        _fingerprints = entries.Select(e => e.Fingerprint).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>An empty baseline.</summary>
    public static FindingBaseline Empty { get; } = new([]);

    public int Count => _fingerprints.Count;

    public bool Contains(string fingerprint) => _fingerprints.Contains(fingerprint);

    public bool ShouldEmit(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return !_fingerprints.Contains(finding.Fingerprint);
    }

    /// <summary>This baseline with <paramref name="findings"/> added (each fingerprint once).</summary>
    public FindingBaseline With(IEnumerable<Finding> findings)
    {
        var entries = _entries.ToList();
        var seen = new HashSet<string>(_fingerprints, StringComparer.Ordinal);
        foreach (var f in findings.Where(f => seen.Add(f.Fingerprint)))
        {
            entries.Add(new Entry(f.Fingerprint, f.Rule, f.Location.File, f.Location.Line, f.Location.Commit));
        }

        return new FindingBaseline(entries);
    }

    /// <summary>Reads a baseline file.</summary>
    /// <exception cref="FormatException">The file is not a baseline; the message names the file and the problem.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static FindingBaseline Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("findings", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{path}: not a PipeWatch baseline (expected an object with a 'findings' list)");
            }

            if (root.TryGetProperty("version", out var version) && (version.ValueKind != JsonValueKind.Number || version.GetInt32() != Version))
            {
                throw new FormatException($"{path}: baseline version {version} is not supported (expected {Version})");
            }

            var entries = new List<Entry>();
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("fingerprint", out var fp) || fp.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{path}: findings[{index}] has no 'fingerprint' string");
                }

                entries.Add(new Entry(
                    fp.GetString()!,
                    Text(item, "rule"),
                    Text(item, "file"),
                    item.TryGetProperty("line", out var line) && line.ValueKind == JsonValueKind.Number ? line.GetInt32() : null,
                    Text(item, "commit")));
                index++;
            }

            return new FindingBaseline(entries);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not valid JSON ({ex.Message})", ex);
        }
    }

    /// <summary>Writes the baseline, entries in file, line and fingerprint order so that it diffs well under version control.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Renamed over the path when done: a symlink committed where the baseline goes is replaced, not written through.
        using var stream = ReplacingFileStream.Create(path);
        using var writer = new Utf8JsonWriter(stream, WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("version", Version);
        writer.WriteString("tool", "pipewatch");
        writer.WriteStartArray("findings");
        foreach (var e in _entries.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Fingerprint, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("fingerprint", e.Fingerprint);
            if (e.Rule is not null) writer.WriteString("rule", e.Rule);
            if (e.File is not null) writer.WriteString("file", e.File);
            if (e.Line is { } line) writer.WriteNumber("line", line);
            if (e.Commit is not null) writer.WriteString("commit", e.Commit);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record Entry(string Fingerprint, string? Rule, string? File, int? Line, string? Commit);
}
