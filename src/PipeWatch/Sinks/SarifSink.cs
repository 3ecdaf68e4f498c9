using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PipeWatch.Detectors;
using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>Writes all findings of a run as one SARIF 2.1.0 log (for GitHub code scanning and other SARIF consumers).</summary>
/// <remarks>SARIF is a whole document: findings are kept until <see cref="CompleteAsync"/>, which writes the log once.</remarks>
public sealed class SarifSink : IFindingSink
{
    private const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    private readonly TextWriter _output;
    private readonly bool _ownsOutput;
    private readonly IReadOnlyDictionary<string, DetectorInfo> _rules;
    private readonly string _toolVersion;
    private readonly string? _baseDirectory;
    private readonly List<Finding> _findings = [];

    /// <param name="output">Where the log goes.</param>
    /// <param name="rules">The detectors that may raise findings, for rule metadata.</param>
    /// <param name="toolVersion">PipeWatch's version.</param>
    /// <param name="baseDirectory">Files under it are written as relative URIs.</param>
    /// <param name="ownsOutput">Dispose <paramref name="output"/> on completion.</param>
    public SarifSink(TextWriter output, IEnumerable<DetectorInfo> rules, string toolVersion, string? baseDirectory = null, bool ownsOutput = false)
    {
        _output = output;
        _ownsOutput = ownsOutput;
        _rules = rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        _toolVersion = toolVersion;
        _baseDirectory = baseDirectory;
    }

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        _findings.AddRange(batch.Select(a => a.Finding));
        return ValueTask.FromResult(SinkResult.Ok);
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer);
        }

        await _output.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), cancellationToken).ConfigureAwait(false);

        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
        return SinkResult.Ok;
    }

    private void Write(Utf8JsonWriter writer)
    {
        var ruleIds = _findings.Select(f => f.Rule).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        writer.WriteStartObject();
        writer.WriteString("$schema", SchemaUri);
        writer.WriteString("version", "2.1.0");
        writer.WriteStartArray("runs");
        writer.WriteStartObject();
        writer.WriteStartObject("tool");
        writer.WriteStartObject("driver");
        writer.WriteString("name", "PipeWatch");
        writer.WriteString("semanticVersion", _toolVersion);
        writer.WriteStartArray("rules");
        foreach (var id in ruleIds)
        {
            WriteRule(writer, id);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteStartArray("results");
        foreach (var finding in _findings)
        {
            WriteResult(writer, finding, ruleIds.IndexOf(finding.Rule));
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private void WriteRule(Utf8JsonWriter writer, string id)
    {
        var info = _rules.GetValueOrDefault(id);
        var category = info?.Category ?? _findings.First(f => f.Rule == id).Category;
        var description = info?.Description ?? id;
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("name", ToPascal(id));
        writer.WriteStartObject("shortDescription");
        writer.WriteString("text", description);
        writer.WriteEndObject();
        writer.WriteStartObject("fullDescription");
        writer.WriteString("text", $"{description} Category: {category}.");
        writer.WriteEndObject();
        writer.WriteStartObject("help");
        writer.WriteString("text", $"{description} See docs/detectors.md, section {category}, for what it means and how to respond.");
        writer.WriteEndObject();
        // GitHub code scanning reads the score that ranks an alert Critical/High/Medium/Low from the rule, not the result:
        // a rule carries the highest severity it raised in this log.
        var highest = _findings.Where(f => f.Rule == id).Max(f => f.Severity);
        writer.WriteStartObject("defaultConfiguration");
        writer.WriteString("level", Level(highest));
        writer.WriteEndObject();
        writer.WriteStartObject("properties");
        writer.WriteString("security-severity", SecuritySeverity(highest));
        writer.WriteStartArray("tags");
        writer.WriteStringValue("security");
        writer.WriteStringValue(category);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void WriteResult(Utf8JsonWriter writer, Finding finding, int ruleIndex)
    {
        writer.WriteStartObject();
        writer.WriteString("ruleId", finding.Rule);
        writer.WriteNumber("ruleIndex", ruleIndex);
        writer.WriteString("level", Level(finding.Severity));
        writer.WriteStartObject("message");
        writer.WriteString("text", $"{finding.Title}. {finding.Explanation}");
        writer.WriteEndObject();
        writer.WriteStartArray("locations");
        writer.WriteStartObject();
        if (finding.Location.File is { } file)
        {
            writer.WriteStartObject("physicalLocation");
            writer.WriteStartObject("artifactLocation");
            writer.WriteString("uri", Uri(file));
            writer.WriteEndObject();
            writer.WriteStartObject("region");
            writer.WriteNumber("startLine", finding.Location.Line ?? 1);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteStartArray("logicalLocations");
        writer.WriteStartObject();
        writer.WriteString("fullyQualifiedName", finding.Entity.ToString());
        writer.WriteString("kind", "module");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartObject("partialFingerprints");
        writer.WriteString("pipewatch/v1", finding.Fingerprint);
        writer.WriteEndObject();
        writer.WriteStartObject("properties");
        writer.WriteString("category", finding.Category);
        writer.WriteString("severity", finding.Severity.ToWire());
        writer.WriteString("security-severity", SecuritySeverity(finding.Severity));
        writer.WriteString("timestamp", finding.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        if (finding.Location.RunId is { } run) writer.WriteString("runId", run);
        if (finding.Location.Commit is { } commit) writer.WriteString("commit", commit);
        if (finding.Location.Url is { } url) writer.WriteString("url", url);
        // A verified secret's verdict (scan --verify): live, revoked or unknown, and the provider's reason.
        foreach (var evidence in finding.Evidence.Where(e => e.Name is "verified" or "verification")) writer.WriteString(evidence.Name, evidence.Value);
        writer.WriteStartArray("tags");
        writer.WriteStringValue(finding.Category);
        foreach (var technique in finding.Techniques)
        {
            writer.WriteStringValue($"attack:{technique}");
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string Level(Severity severity) => severity switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    private string Uri(string file)
    {
        // A path already relative (a file of a scanned repository) is relative to the base directory as it stands.
        if (!Path.IsPathRooted(file)) return string.Join('/', file.Replace('\\', '/').Split('/').Select(System.Uri.EscapeDataString));
        // Inside the base directory, a URI reference: each segment percent-encoded, joined with '/'.
        if (_baseDirectory is not null && BasePaths.Inside(_baseDirectory, file) is { } segments) return string.Join('/', segments.Select(System.Uri.EscapeDataString));
        return new Uri(Path.GetFullPath(file)).AbsoluteUri;
    }

    private static string SecuritySeverity(Severity severity) => severity switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "3.0",
        _ => "0.0",
    };

    private static string ToPascal(string id) =>
        string.Concat(id.Split('.', '-').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
