using YamlDotNet.RepresentationModel;
using static PipeWatch.Detectors.CodeChange.Workflows.YamlNodes;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>Reads a <c>.gitlab-ci.yml</c>: every job (hidden templates included) with its script lines as steps.</summary>
/// <remarks><c>extends:</c> and <c>include:</c> are not followed; anchors and merge keys are resolved by the YAML reader.</remarks>
internal static class GitLabCiReader
{
    /// <summary>The job id holding the top-level and <c>default:</c> image and scripts.</summary>
    public const string DefaultJob = "(default)";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "stages", "variables", "include", "default", "workflow", "image", "services", "before_script", "after_script", "cache", "spec",
    };

    private static readonly string[] ScriptKeys = ["before_script", "script", "after_script"];

    public static CiDefinition Read(string path, YamlMappingNode root, IReadOnlyList<string> lines)
    {
        var jobs = new List<CiJob>();
        var defaults = Get(root, "default");
        var defaultJob = Job(DefaultJob, Line(root), root, defaults);
        if (defaultJob.Images.Count > 0 || defaultJob.Steps.Count > 0) jobs.Add(defaultJob);
        foreach (var (key, value) in root.Children)
        {
            if (key is not YamlScalarNode { Value: { } id } || Reserved.Contains(id) || value is not YamlMappingNode) continue;
            jobs.Add(Job(id, Line(key), value, null));
        }

        return new CiDefinition(path, CiPlatform.GitLabCi, [], null, Map(Get(root, "variables")), jobs, lines);
    }

    private static CiJob Job(string id, int line, YamlNode node, YamlNode? defaults)
    {
        var images = new List<CiText>();
        foreach (var source in new[] { node, defaults })
        {
            var image = Get(source, "image");
            if ((Text(image) ?? Text(image, "name")) is { } text) images.Add(text);
            foreach (var service in Items(source, "services"))
            {
                if ((Text(service) ?? Text(service, "name")) is { } serviceImage) images.Add(serviceImage);
            }
        }

        var steps = new List<CiStep>();
        foreach (var source in new[] { node, defaults })
        {
            foreach (var key in ScriptKeys)
            {
                foreach (var script in Texts(Get(source, key)))
                {
                    steps.Add(new CiStep(id, CiDefinitionParser.ScriptLabel(script.Value), script.Line, null, script, Empty.Map, Empty.Map));
                }
            }
        }

        return new CiJob(id, line, Texts(Get(node, "tags")), Empty.Matrix, Empty.Excluded, images, Map(Get(node, "variables")), null, null, null, steps);
    }
}
