using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using PipeWatch.Configuration;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Tests.Configuration;

/// <summary>
/// docs/schemas/: the JSON Schema of pipewatch.yml (made from the loader's own key lists, so it cannot drift) and of a JSON
/// Lines finding. Every config the repository and its docs show must satisfy the schema and the loader alike, and a real
/// ingest's and scan's findings must satisfy the finding schema.
/// </summary>
public sealed partial class SchemaFilesTests : IDisposable
{
    private static readonly string Schemas = Path.Combine(Corpus.RepositoryRoot, "docs", "schemas");
    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_config_schema_file_is_made_from_the_loaders_key_lists()
    {
        var file = Path.Combine(Schemas, "pipewatch.schema.json");
        var made = ConfigSchema.Write();
        if (Environment.GetEnvironmentVariable("PIPEWATCH_UPDATE_GOLDEN") == "1") File.WriteAllText(file, made);

        Assert.True(
            File.Exists(file) && File.ReadAllText(file).ReplaceLineEndings("\n") == made,
            "docs/schemas/pipewatch.schema.json differs from the config's keys: rerun with PIPEWATCH_UPDATE_GOLDEN=1 and commit it");
    }

    [Fact]
    public void Every_config_in_the_repository_and_the_docs_satisfies_both_the_schema_and_the_loader()
    {
        var schema = ConfigSchemaFile();
        var topLevel = ConfigLoader.TopLevelSettings.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var configs = new List<(string Where, string Yaml)> { ("pipewatch.yml", File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "pipewatch.yml"))) };
        foreach (var doc in Directory.EnumerateFiles(Path.Combine(Corpus.RepositoryRoot, "docs"), "*.md").Append(Path.Combine(Corpus.RepositoryRoot, "README.md")))
        {
            foreach (Match block in YamlBlock().Matches(File.ReadAllText(doc)))
            {
                // A block whose keys are all of pipewatch.yml's top level is a config; workflows and templates are not.
                var yaml = block.Groups["body"].Value;
                if (Root(yaml) is { } root && root.Children.Count > 0 && root.Children.All(p => topLevel.Contains(((YamlScalarNode)p.Key).Value!)))
                {
                    configs.Add(($"{Path.GetFileName(doc)} at offset {block.Index}", yaml));
                }
            }
        }

        Assert.True(configs.Count >= 5, $"only {configs.Count} configs found in the docs: has their format changed?");
        Assert.All(configs, config =>
        {
            var result = schema.Evaluate(ToJson(config.Yaml), Strict);
            Assert.True(result.IsValid, $"{config.Where}: the schema refuses it: {Errors(result)}");
            var loaded = Record.Exception(() => ConfigLoader.Parse(config.Yaml, config.Where));
            Assert.True(loaded is null, $"{config.Where}: the loader refuses it: {(loaded as ConfigException)?.Problems.FirstOrDefault() ?? loaded?.Message}");
        });
    }

    [Theory]
    [InlineData("detectors:\n  pipeline.long-duration:\n    treshold: 3\n")]
    [InlineData("detectors:\n  pipeline.long-duration:\n    min-samples: 0\n")]
    [InlineData("detectors:\n  no-such.detector:\n    enabled: false\n")]
    [InlineData("allow:\n  - rule: pipeline.long-duration\n")]
    [InlineData("alerts:\n  routes:\n    - name: chat\n      sink: slack\n      channel: '#sec'\n")]
    [InlineData("alerts:\n  routes:\n    - name: chat\n      sink: slack\n      url: https://hooks.slack.example/x\n      min-severity: severe\n")]
    [InlineData("signals:\n  weights:\n    no-such-signal: 10\n")]
    [InlineData("sigma:\n  builtin: maybe\n")]
    public void A_config_the_loader_refuses_is_refused_by_the_schema_too(string yaml)
    {
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "pipewatch.yml"));
        Assert.False(ConfigSchemaFile().Evaluate(ToJson(yaml), Strict).IsValid, $"the schema accepts:\n{yaml}");
    }

    [Fact]
    public void Every_detector_section_and_its_keys_are_in_the_schema()
    {
        var detectors = JsonNode.Parse(File.ReadAllText(Path.Combine(Schemas, "pipewatch.schema.json")))!["properties"]!["detectors"]!["properties"]!.AsObject();

        Assert.Equal(
            PipeWatch.Detectors.BuiltInDetectors.Sections.Select(s => s.Id).Order(StringComparer.Ordinal),
            detectors.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.All(PipeWatch.Detectors.BuiltInDetectors.Sections, section => Assert.Equal(
            section.Keys.Select(k => k.Key).Prepend("enabled").Order(StringComparer.Ordinal),
            detectors[section.Id]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task The_findings_of_a_real_ingest_and_a_real_scan_satisfy_the_finding_schema()
    {
        var schema = FindingSchemaOnce.Value;
        var cli = new CliRunner(_temp.Path);
        var ingest = await cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), Path.Combine(Corpus.RepositoryRoot, "samples", "attack"), "--format", "json");
        using var repo = new TestRepository();
        repo.Write("deploy.env", "aws_access_key_id = AKIAQWERTYUIOPASDFGH\n").Commit("keys");
        var scan = await new CliRunner(repo.Path).RunAsync("scan", "--format", "json");

        var lines = ingest.OutputLines.Concat(scan.OutputLines).ToList();
        Assert.True(lines.Count >= 8, $"{lines.Count} findings: expected the samples' and the scan's");
        Assert.All(lines, line =>
        {
            using var json = JsonDocument.Parse(line);
            var result = schema.Evaluate(json.RootElement, Strict);
            Assert.True(result.IsValid, $"{Errors(result)}\n{line}");
        });
        // The schema's categories are the taxonomy's, no more and no fewer.
        var categories = JsonNode.Parse(File.ReadAllText(Path.Combine(Schemas, "finding.schema.json")))!["properties"]!["category"]!["enum"]!.AsArray();
        Assert.Equal(Categories.All, categories.Select(c => c!.GetValue<string>()));
        using var broken = JsonDocument.Parse(lines[0].Replace("\"severity\":\"", "\"severity\":\"x", StringComparison.Ordinal));
        Assert.False(schema.Evaluate(broken.RootElement, Strict).IsValid);
    }

    // Built once: a schema registers its $id, and a second build of the same id is refused.
    private static readonly Lazy<JsonSchema> ConfigSchemaOnce = new(() => JsonSchema.FromFile(Path.Combine(Schemas, "pipewatch.schema.json")));
    private static readonly Lazy<JsonSchema> FindingSchemaOnce = new(() => JsonSchema.FromFile(Path.Combine(Schemas, "finding.schema.json")));

    private static JsonSchema ConfigSchemaFile() => ConfigSchemaOnce.Value;

    private static string Errors(EvaluationResults result) => string.Join("; ", (result.Details ?? [])
        .Where(d => d.Errors is { Count: > 0 })
        .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}"));

    private static YamlMappingNode? Root(string yaml)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode as YamlMappingNode;
        }
        catch (YamlException)
        {
            return null;
        }
    }

    // YAML as JSON the way a YAML-aware editor sees it: plain scalars typed (true/false, numbers, null), quoted ones strings.
    private static JsonElement ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var node = stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
        return JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement.Clone();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, Convert(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } => v switch
        {
            null or "" or "~" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => JsonValue.Create(i),
            _ when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(v),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    [GeneratedRegex(@"```ya?ml\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
