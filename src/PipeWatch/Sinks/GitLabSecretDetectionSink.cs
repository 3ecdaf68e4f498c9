using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PipeWatch.Detectors;
using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>
/// Writes the secrets of a run as GitLab's secret-detection report (schema 15.2.4), the file a job hands GitLab as
/// <c>artifacts:reports:secret_detection</c> for its merge-request widget and vulnerability report.
/// </summary>
/// <remarks>
/// Only leaked secrets belong in it: <c>secrets.hardcoded</c> and <c>secrets.exposed-in-log</c>; other findings are left to
/// the other formats. The report is one document, written at <see cref="CompleteAsync"/>. A vulnerability carries the
/// finding's redacted explanation, never the secret, and no source extract (the line would hold the secret). GitLab
/// requires a commit for each: a finding with none (a plain folder, staged changes, a CI log) names <c>0000000</c>, as
/// GitLab's own analyzer does for a scan of the working tree.
/// </remarks>
public sealed class GitLabSecretDetectionSink : IFindingSink
{
    /// <summary>The version of GitLab's report schema this sink writes.</summary>
    public const string SchemaVersion = "15.2.4";

    /// <summary>The commit named when a finding has none.</summary>
    public const string NoCommit = "0000000";

    private const string SchemaUrl =
        "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v" + SchemaVersion + "/dist/secret-detection-report-format.json";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TextWriter _output;
    private readonly bool _ownsOutput;
    private readonly IReadOnlyDictionary<string, DetectorInfo> _rules;
    private readonly string _toolVersion;
    private readonly TimeProvider _time;
    private readonly string? _baseDirectory;
    private readonly DateTimeOffset _started;
    private readonly List<Finding> _secrets = [];

    /// <param name="output">Where the report goes.</param>
    /// <param name="rules">The detectors and secret rules that may raise findings: their descriptions name the vulnerabilities.</param>
    /// <param name="toolVersion">PipeWatch's version.</param>
    /// <param name="time">The clock of the scan's start and end times.</param>
    /// <param name="baseDirectory">Files under it (the project) are written relative to it, with '/'.</param>
    /// <param name="ownsOutput">Dispose <paramref name="output"/> on completion.</param>
    public GitLabSecretDetectionSink(
        TextWriter output, IEnumerable<DetectorInfo> rules, string toolVersion, TimeProvider time, string? baseDirectory = null, bool ownsOutput = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(time);
        _output = output;
        _ownsOutput = ownsOutput;
        _rules = rules.GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _toolVersion = toolVersion;
        _time = time;
        _baseDirectory = baseDirectory;
        _started = time.GetUtcNow();
    }

    /// <summary>Whether a finding is a leaked secret, the only kind this report carries.</summary>
    public static bool IsLeakedSecret(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Category is Categories.HardcodedSecret or Categories.SecretInLog;
    }

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _secrets.AddRange(batch.Select(a => a.Finding).Where(IsLeakedSecret));
        return ValueTask.FromResult(SinkResult.Ok);
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, _time.GetUtcNow());
        }

        await _output.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
        return SinkResult.Ok;
    }

    private void Write(Utf8JsonWriter writer, DateTimeOffset ended)
    {
        writer.WriteStartObject();
        writer.WriteString("version", SchemaVersion);
        writer.WriteString("schema", SchemaUrl);
        writer.WriteStartObject("scan");
        WriteTool(writer, "analyzer");
        WriteTool(writer, "scanner");
        writer.WriteString("type", "secret_detection");
        writer.WriteString("start_time", Time(_started));
        writer.WriteString("end_time", Time(ended));
        writer.WriteString("status", "success");
        writer.WriteEndObject();
        writer.WriteStartArray("vulnerabilities");
        foreach (var finding in _secrets)
        {
            WriteVulnerability(writer, finding);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private void WriteTool(Utf8JsonWriter writer, string role)
    {
        writer.WriteStartObject(role);
        writer.WriteString("id", "pipewatch");
        writer.WriteString("name", "PipeWatch");
        writer.WriteString("version", _toolVersion);
        writer.WriteStartObject("vendor");
        writer.WriteString("name", "PipeWatch");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void WriteVulnerability(Utf8JsonWriter writer, Finding finding)
    {
        writer.WriteStartObject();
        writer.WriteString("id", Uuid(finding.Fingerprint));

        // The name is the kind of secret (the rule's description), not this finding's path or value.
        var name = _rules.TryGetValue(finding.Rule, out var info) ? info.Description : finding.Rule;
        writer.WriteString("name", name.Length <= 255 ? name : name[..255]);
        writer.WriteString("description", finding.Explanation);
        writer.WriteString("severity", finding.Severity switch
        {
            Severity.Info => "Info",
            Severity.Low => "Low",
            Severity.Medium => "Medium",
            Severity.High => "High",
            _ => "Critical",
        });
        writer.WriteString("solution", "Revoke the secret where it was issued and replace it. Deleting it from the file or log does not help: every clone, " +
            "fork and earlier log keeps a working copy.");
        writer.WriteStartArray("identifiers");
        writer.WriteStartObject();
        writer.WriteString("type", "pipewatch_rule_id");
        writer.WriteString("name", $"PipeWatch rule {finding.Rule}");
        writer.WriteString("value", finding.Rule);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartObject("location");
        if (finding.Location.File is { } file) writer.WriteString("file", ProjectPath(file));
        if (finding.Location.Line is { } line)
        {
            writer.WriteNumber("start_line", line);
            writer.WriteNumber("end_line", line);
        }

        writer.WriteStartObject("commit");
        writer.WriteString("sha", finding.Location.Commit ?? NoCommit);
        if (finding.Location.Commit is not null)
        {
            if (finding.Evidence.FirstOrDefault(e => e.Name == "author") is { } author) writer.WriteString("author", author.Value);
            writer.WriteString("date", finding.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    // A path inside the base directory relative to it; any other as it is.
    private string ProjectPath(string file)
    {
        if (!Path.IsPathRooted(file) || _baseDirectory is null) return file.Replace('\\', '/');
        return BasePaths.Inside(_baseDirectory, file) is { } segments ? string.Join('/', segments) : file;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    // A UUID-shaped id from the fingerprint (32 hex characters), so the same finding keeps its id across pipelines.
    private static string Uuid(string fingerprint) =>
        fingerprint.Length == 32 ? $"{fingerprint[..8]}-{fingerprint[8..12]}-{fingerprint[12..16]}-{fingerprint[16..20]}-{fingerprint[20..]}" : fingerprint;
}
