using YamlDotNet.RepresentationModel;
using static PipeWatch.Detectors.CodeChange.Workflows.YamlNodes;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>Reads an Azure Pipelines definition: triggers, variables, stages and jobs (or the implicit job of top-level steps), pools and steps.</summary>
/// <remarks>A pool given by name (not <c>vmImage</c>) is listed in <see cref="CiJob.RunsOn"/> as <c>pool:NAME</c>: a self-hosted agent pool.</remarks>
internal static class AzurePipelinesReader
{
    /// <summary>The job id of top-level steps.</summary>
    public const string ImplicitJob = "(pipeline)";

    private static readonly string[] ScriptKeys = ["script", "bash", "pwsh", "powershell"];

    public static CiDefinition Read(string path, YamlMappingNode root, IReadOnlyList<string> lines)
    {
        var triggers = new List<CiText>();
        foreach (var key in Keys(root))
        {
            if (key.Value is not ("trigger" or "pr" or "schedules")) continue;
            if (Text(root, key.Value)?.Value == "none") continue;
            triggers.Add(key);
        }

        var jobs = new List<CiJob>();
        var pool = Get(root, "pool");
        if (Get(root, "steps") is not null) jobs.Add(Job(ImplicitJob, Line(root), root, pool));
        foreach (var job in Items(root, "jobs").Concat(Items(root, "stages").SelectMany(s => Items(s, "jobs"))))
        {
            var id = (Text(job, "job") ?? Text(job, "deployment") ?? Text(job, "template"))?.Value ?? $"job {jobs.Count + 1}";
            jobs.Add(Job(id, Line(job), job, pool));
        }

        var resourceImages = Items(Get(root, "resources"), "containers").Select(c => Text(c, "image")).OfType<CiText>().ToList();
        if (resourceImages.Count > 0) jobs.Add(new CiJob("(resources)", Line(root), [], Empty.Matrix, Empty.Excluded, resourceImages, Empty.Map, null, null, null, []));
        return new CiDefinition(path, CiPlatform.AzurePipelines, triggers, null, Variables(Get(root, "variables")), jobs, lines);
    }

    private static CiJob Job(string id, int line, YamlNode job, YamlNode? defaultPool)
    {
        var pool = Get(job, "pool") ?? defaultPool;
        var runsOn = new List<CiText>();
        if (Text(pool) is { } poolName) runsOn.Add(poolName with { Value = "pool:" + poolName.Value });
        if (Text(pool, "name") is { } named) runsOn.Add(named with { Value = "pool:" + named.Value });
        if (Text(pool, "vmImage") is { } image) runsOn.Add(image);
        var images = new List<CiText>();
        var container = Get(job, "container");
        if ((Text(container) ?? Text(container, "image")) is { } containerImage) images.Add(containerImage);
        var stepNodes = Items(job, "steps").ToList();
        if (stepNodes.Count == 0 && Get(job, "strategy") is YamlMappingNode strategy)
        {
            // Deployment jobs: strategy.<runOnce|rolling|canary>.<hook>.steps.
            stepNodes = [.. strategy.Children.Values.SelectMany(s => s is YamlMappingNode hooks ? hooks.Children.Values : []).SelectMany(h => Items(h, "steps"))];
        }

        var steps = new List<CiStep>();
        foreach (var step in stepNodes)
        {
            var run = ScriptKeys.Select(k => Text(step, k)).FirstOrDefault(t => t is not null);
            var uses = Text(step, "task") ?? Text(step, "template");
            var checkout = Text(step, "checkout");
            var label = Text(step, "displayName")?.Value ?? Text(step, "name")?.Value ?? uses?.Value
                ?? (checkout is not null ? "checkout: " + checkout.Value : run is not null ? CiDefinitionParser.ScriptLabel(run.Value) : $"step {steps.Count + 1}");
            steps.Add(new CiStep(id, label, Line(step), uses, run, Map(Get(step, "inputs")), Map(Get(step, "env"))));
        }

        return new CiJob(id, line, runsOn, Empty.Matrix, Empty.Excluded, images, Variables(Get(job, "variables")), null, null, null, steps);
    }

    /// <summary>Variables as a mapping, or as a list of <c>name</c>/<c>value</c> entries.</summary>
    private static IReadOnlyDictionary<string, CiText> Variables(YamlNode? node)
    {
        if (node is not YamlSequenceNode seq) return Map(node);
        var map = new Dictionary<string, CiText>(StringComparer.Ordinal);
        foreach (var item in seq.Children)
        {
            if (Text(item, "name") is { } name && Text(item, "value") is { } value) map[name.Value] = value;
        }

        return map;
    }
}
