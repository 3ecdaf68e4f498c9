using System.Globalization;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>The pipeline-tampering checks over zizmor's real test workflows: per pattern, files flagged against files that exhibit it, and flags on safe variants.</summary>
/// <remarks>
/// Labels are ours, read from each file (its comments, and the pattern as docs/detectors.md defines it). "Unlabelled" files are in the
/// folder but neither clearly show our pattern nor are marked safe (e.g. zizmor regression cases whose expected outcome needs GitHub's API).
/// </remarks>
public sealed class WorkflowCorpusRecallTests(ITestOutputHelper output)
{
    private static readonly Pattern[] Patterns =
    [
        new("template-injection", TemplateInjectionCheck.Rule, "template-injection",
            Exhibits: ["codeql-sinks.yml", "dataflow.yml", "issue-883-repro/action.yml", "patterns.yml", "pr-425-backstop/action.yml", "pwsh-script.yml",
                "static-env.yml", "template-injection-dynamic-matrix.yml", "input-caps.yml", "../template-injection.yml"],
            Safe: ["addnab-docker-run-action.yml", "false-positive-menagerie.yml", "issue-1638-repro.yml", "issue-1664-repro.yml", "issue-1802-repro.yml",
                "issue-1903-repro.yml", "issue-2197-repro.yml", "issue-22-repro.yml", "issue-418-repro.yml", "issue-749-repro.yml", "issue-988-repro.yml",
                "template-injection-static-matrix.yml", "multiline-expression.yml"],
            Unlabelled: ["issue-339-repro.yml", "pr-317-repro.yml"]),
        new("dangerous-triggers", UntrustedCheckoutCheck.Rule, "dangerous-triggers", Exhibits: [], Safe: ["actions-labeler.yml"], Unlabelled: []),
        new("dangerous-triggers (new file)", DangerousTriggerCheck.Rule, ".",
            Exhibits: ["bot-conditions.yml", "github_env.yml", "several-vulnerabilities.yml", "template-injection/patterns.yml", "github-env/github-path.yml",
                "github-env/issue-397-repro.yml", "anchors/trigger-block-alias.yml", "anchors/trigger-paths-anchor.yml"],
            Safe: ["dangerous-triggers/actions-labeler.yml", "template-injection.yml", "unsound-contains.yml", "artipacked.yml"],
            Unlabelled: ["github-env/issue-2200-repro.yml"], Marker: "pull_request_target"),
        new("github-env", GitHubEnvInjectionCheck.Rule, "github-env",
            Exhibits: ["action.yml", "github-path.yml", "issue-397-repro.yml", "../github_env.yml"],
            Safe: ["issue-2200-repro.yml", "issue-1333/action.yml"], Unlabelled: []),
        new("secrets-inherit", SecretsInheritCheck.Rule, ".", Exhibits: ["secrets-inherit.yml"], Safe: [], Unlabelled: [], Marker: "secrets: inherit"),
        new("excessive-permissions", PermissionsWidenedCheck.Rule, "excessive-permissions",
            Exhibits: ["jobs-broaden-permissions.yml", "workflow-write-all.yml", "workflow-write-explicit.yml", "issue-336-repro.yml", "../excessive-permissions.yml"],
            Safe: ["workflow-empty-perms.yml", "workflow-read-all.yml", "issue-472-repro.yml"],
            Unlabelled: ["reusable-workflow-call.yml", "reusable-workflow-other-triggers.yml", "workflow-default-perms.yml", "workflow-default-perms-all-jobs-explicit.yml"]),
        new("self-hosted", SelfHostedRunnerCheck.Rule, "self-hosted",
            Exhibits: ["self-hosted-matrix-dimension.yml", "self-hosted-matrix-inclusion.yml", "self-hosted-runner-group.yml", "self-hosted-runner-label.yml", "../self-hosted.yml"],
            Safe: ["self-hosted-matrix-exclusion.yml"], Unlabelled: ["issue-283-repro.yml"]),
        new("unpinned-uses", UnpinnedActionCheck.Rule, "unpinned-uses",
            Exhibits: ["action.yml", "issue-659-repro.yml", "menagerie-of-uses.yml", "reusable-workflow-unpinned.yml", "issue-1543-repro.yml", "../unpinned-uses.yml"],
            Safe: [], Unlabelled: ["issue-433-repro.yml"]),
        new("unpinned-images", UnpinnedImageCheck.Rule, "unpinned-images",
            Exhibits: ["issue-1942-repro.yml", "matrix-in-image.yml", "urllib3-empty-matrix-container.yml", "docker-action/action.yml", "../unpinned-images.yml"],
            Safe: ["issue-2097-repro.yml"], Unlabelled: []),
        new("ref-version-mismatch", PinTagMismatchCheck.Rule, "ref-version-mismatch",
            Exhibits: ["../ref-version-mismatch.yml"], Safe: ["nested-annotated-tags.yml"],
            Unlabelled: ["issue-1853-repro.yml", "issue-1869-repro.yml", "issue-1899-repro.yml", "issue-1938-repro.yml", "issue-2039-repro.yml", "issue-2165-repro.yml"]),
        new("insecure-commands", InsecureCommandsCheck.Rule, "insecure-commands", Exhibits: ["action.yml", "issue-839-repro.yml", "../insecure-commands.yml"], Safe: [], Unlabelled: []),
        new("hardcoded-container-credentials", HardcodedContainerCredentialsCheck.Rule, ".", Exhibits: ["hardcoded-credentials.yml"], Safe: [],
            Unlabelled: ["use-trusted-publishing.yml", "use-trusted-publishing/demo-action/action.yml", "inlined-ignores.yml"], Marker: "password:"),
        new("unredacted-secrets", UnredactedSecretsCheck.Rule, ".", Exhibits: ["unredacted-secrets.yml"], Safe: [], Unlabelled: [], Marker: "fromJSON(secrets"),
        new("bot-conditions", BotConditionsCheck.Rule, ".", Exhibits: ["bot-conditions.yml"], Safe: [],
            Unlabelled: ["template-injection/issue-883-repro/action.yml", "issue-612-repro/action.yml"], Marker: "[bot]"),
        new("unsound-contains", UnsoundContainsCheck.Rule, ".", Exhibits: ["unsound-contains.yml"], Safe: [], Unlabelled: [], Marker: "contains('"),
        new("unsound-condition", UnsoundConditionCheck.Rule, ".", Exhibits: ["unsound-condition.yml"], Safe: [], Unlabelled: [], Marker: "if: |"),
        new("artipacked (pedantic level)", ArtipackedCheck.Rule, "artipacked",
            Exhibits: ["demo-action/action.yml", "issue-447-repro.yml", "../artipacked.yml"], Safe: ["issue-1709-repro.yml"], Unlabelled: ["issue-1769-repro.yml"], Pedantic: true),
        new("cache-poisoning", CachePoisoningCheck.Rule, "cache-poisoning",
            Exhibits: ["caching-enabled-by-default.yml", "caching-not-configurable.yml", "caching-opt-in-boolean-toggle.yml", "caching-opt-in-boolish-toggle.yml",
                "caching-opt-in-multi-value-toggle.yml", "issue-1081-repro.yml", "issue-1152-repro.yml", "issue-2320-repro.yml", "issue-343-repro.yml",
                "publisher-step.yml", "ramsey-composer-install.yml", "workflow-release-branch-trigger.yml", "workflow-release-trigger-object.yml", "workflow-tag-trigger.yml",
                "../cache-poisoning.yml"],
            Safe: ["caching-disabled-by-default.yml", "caching-opt-out.yml", "issue-1485-repro.yml", "issue-378-repro.yml", "no-cache-aware-steps.yml", "trigger-heuristics/tag-and-release.yml"],
            Unlabelled: ["caching-opt-in-expression.yml", "issue-1940-repro.yml", "issue-642-repro.yml", "trigger-heuristics/tag-and-branch.yml", "trigger-heuristics/tag-only.yml"]),
        new("use-trusted-publishing", TrustedPublishingCheck.Rule, "use-trusted-publishing",
            Exhibits: ["bun-publish.yml", "cargo-publish.yml", "gem-push.yml", "npm-publish.yml", "nuget-push.yml", "twine-upload.yml", "demo-action/action.yml", "../use-trusted-publishing.yml"],
            Safe: ["issue-1191-repro.yml"], Unlabelled: []),
    ];

    public static TheoryData<string> PatternNames => [.. Patterns.Select(p => p.Name)];

    [Fact]
    public void Recall_is_at_least_90_percent_per_pattern_and_safe_variants_are_not_flagged()
    {
        output.WriteLine("| pattern | rule | exhibit | flagged | recall | safe files | flags on safe | unlabelled flagged |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        var failures = new List<string>();
        foreach (var pattern in Patterns)
        {
            var flagged = pattern.Exhibits.Where(f => Flags(pattern, f)).ToList();
            var safeFlags = pattern.Safe.Where(f => Flags(pattern, f)).ToList();
            var unlabelled = pattern.Unlabelled.Count(f => Flags(pattern, f));
            var recall = pattern.Exhibits.Length == 0 ? "n/a" : ((double)flagged.Count / pattern.Exhibits.Length).ToString("P0", CultureInfo.InvariantCulture);
            output.WriteLine($"| {pattern.Name} | {pattern.Rule} | {pattern.Exhibits.Length} | {flagged.Count} | {recall} | {pattern.Safe.Length} | {safeFlags.Count} | {unlabelled}/{pattern.Unlabelled.Length} |");
            var missed = pattern.Exhibits.Except(flagged).ToList();
            if (missed.Count > 0) output.WriteLine($"  missed: {string.Join(", ", missed)}");
            if (pattern.Exhibits.Length > 0 && flagged.Count < 0.9 * pattern.Exhibits.Length) failures.Add($"{pattern.Name}: recall {flagged.Count}/{pattern.Exhibits.Length}, missed {string.Join(", ", missed)}");
            if (safeFlags.Count > 0) failures.Add($"{pattern.Name}: flags on safe {string.Join(", ", safeFlags)}");
        }

        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(PatternNames))]
    public void Every_workflow_in_a_pattern_folder_is_labelled(string name)
    {
        var pattern = Patterns.Single(p => p.Name == name);
        var folder = Corpus.File("workflows", "zizmor", pattern.Folder);
        // A pattern without a folder of its own ("."): every corpus workflow that carries its marker is one of its files.
        Assert.True(pattern.Folder != "." || pattern.Marker is not null, $"{name}: the whole corpus is its folder, so it needs a marker");
        var files = Directory.EnumerateFiles(folder, "*.yml", SearchOption.AllDirectories)
            .Where(f => pattern.Marker is null || File.ReadAllText(f).Contains(pattern.Marker, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("configs/", StringComparison.Ordinal))
            .ToList();
        var labelled = pattern.Exhibits.Concat(pattern.Safe).Concat(pattern.Unlabelled).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(files);
        Assert.DoesNotContain(files, f => !labelled.Contains(f));
    }

    [Fact]
    public void Every_workflow_of_both_corpora_parses_and_is_analysed_without_an_exception()
    {
        var root = Corpus.File("workflows");
        var files = Directory.EnumerateFiles(root, "*.yml", SearchOption.AllDirectories).ToList();
        var parsed = 0;
        foreach (var file in files)
        {
            var platform = Path.GetFileName(file) == "action.yml" ? CiPlatform.GitHubAction
                : Path.GetFileName(file).StartsWith("azure-pipelines", StringComparison.Ordinal) ? CiPlatform.AzurePipelines : CiPlatform.GitHubWorkflow;
            var definition = CiDefinitionParser.Parse(file, File.ReadAllText(file), platform, out var error);
            if (definition is null)
            {
                Assert.False(string.IsNullOrEmpty(error));
                continue;
            }

            parsed++;
            _ = PipelineTamperingDetector.Inspect(definition, definition, new ActionPins());
        }

        output.WriteLine($"{parsed} of {files.Count} corpus files parsed");
        Assert.True(parsed > files.Count * 0.9, $"{parsed} of {files.Count} parsed");
    }

    /// <summary>The issues the whole-file analysis finds in a zizmor corpus file, as a first scan sees it.</summary>
    internal static IReadOnlyList<WorkflowIssue> Analyse(params string[] parts) => Analyse(pedantic: false, parts);

    /// <summary>The same, at the <c>pedantic</c> level when asked.</summary>
    internal static IReadOnlyList<WorkflowIssue> Analyse(bool pedantic, params string[] parts)
    {
        var path = Corpus.File(["workflows", .. parts]);
        var platform = Path.GetFileName(path) is "action.yml" or "action.yaml" ? CiPlatform.GitHubAction
            : parts[0] == "poutine" && Path.GetFileName(path).StartsWith("azure-pipelines", StringComparison.Ordinal) ? CiPlatform.AzurePipelines
            : CiPlatform.GitHubWorkflow;
        var definition = CiDefinitionParser.Parse(Path.GetFileName(path), File.ReadAllText(path), platform, out var error);
        Assert.True(definition is not null, error);
        return PipelineTamperingDetector.Inspect(null, definition, new ActionPins(), pedantic);
    }

    private static bool Flags(Pattern pattern, string file) =>
        Analyse(pattern.Pedantic, ["zizmor", .. Path.Combine(pattern.Folder, file).Split(Path.DirectorySeparatorChar, '/')]).Any(i => i.Rule == pattern.Rule);

    /// <param name="Marker">For a pattern whose files lie among all the others (<paramref name="Folder"/> "."), text each of its files holds.</param>
    /// <param name="Pedantic">The class is reported at the pedantic level only.</param>
    private sealed record Pattern(string Name, string Rule, string Folder, string[] Exhibits, string[] Safe, string[] Unlabelled, string? Marker = null, bool Pedantic = false);
}
