using YamlDotNet.RepresentationModel;
using static PipeWatch.Detectors.CodeChange.Workflows.YamlNodes;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>Reads a GitHub Actions workflow or action definition.</summary>
internal static class GitHubActionsReader
{
    /// <summary>The job id given to the steps of a composite action and the image of a Docker action.</summary>
    public const string ActionJob = "(action)";

    /// <param name="labelledByUses">Receives the steps whose label is the action they use (no name, no id); null when not wanted.</param>
    public static CiDefinition Read(string path, CiPlatform platform, YamlMappingNode root, IReadOnlyList<string> lines, ICollection<CiStep>? labelledByUses = null)
    {
        var on = Get(root, "on");
        var triggers = on switch
        {
            YamlMappingNode => Keys(on),
            _ => Texts(on),
        };

        var jobs = new List<CiJob>();
        if (Mapping(root, "runs") is { } runs)
        {
            var images = new List<CiText>();
            if (Text(runs, "image") is { } image) images.Add(image);
            jobs.Add(new CiJob(ActionJob, Line(runs), [], Empty.Matrix, Empty.Excluded, images, Empty.Map, null, null, null, Steps(ActionJob, Get(runs, "steps"), labelledByUses)));
        }

        if (Mapping(root, "jobs") is { } jobMap)
        {
            foreach (var (key, value) in jobMap.Children)
            {
                if (key is YamlScalarNode { Value: { } id }) jobs.Add(Job(id, Line(key), value, labelledByUses));
            }
        }

        return new CiDefinition(path, platform, triggers, Permissions(Get(root, "permissions")), Map(Get(root, "env")), jobs, lines);
    }

    private static CiJob Job(string id, int line, YamlNode job, ICollection<CiStep>? labelledByUses)
    {
        var runsOn = Get(job, "runs-on");
        var labels = new List<CiText>(Texts(runsOn));
        if (runsOn is YamlMappingNode)
        {
            if (Text(runsOn, "group") is { } group) labels.Add(group with { Value = "group:" + group.Value });
            labels.AddRange(Texts(Get(runsOn, "labels")));
        }

        var (matrix, excluded) = Matrix(Get(Get(job, "strategy"), "matrix"));
        var images = new List<CiText>();
        var container = Get(job, "container");
        if ((Text(container) ?? Text(container, "image")) is { } image) images.Add(image);
        if (Get(job, "services") is YamlMappingNode services)
        {
            foreach (var service in services.Children.Values)
            {
                if ((Text(service) ?? Text(service, "image")) is { } serviceImage) images.Add(serviceImage);
            }
        }

        var secrets = Text(job, "secrets");
        return new CiJob(
            id, line, labels, matrix, excluded, images, Map(Get(job, "env")), Permissions(Get(job, "permissions")),
            Text(job, "uses"), secrets?.Value == "inherit" ? secrets : null, Steps(id, Get(job, "steps"), labelledByUses));
    }

    private static (IReadOnlyDictionary<string, IReadOnlyList<CiText>>, IReadOnlyDictionary<string, IReadOnlyList<string>>) Matrix(YamlNode? node)
    {
        var values = new Dictionary<string, List<CiText>>(StringComparer.Ordinal);
        var excluded = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (node is YamlScalarNode && Text(node) is { } whole) values["*"] = [whole];
        if (node is not YamlMappingNode map) return (Freeze(values), Freeze(excluded));
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name }) continue;
            if (name is "include" or "exclude")
            {
                foreach (var entry in value is YamlSequenceNode seq ? seq.Children : [])
                {
                    foreach (var (dimension, text) in Map(entry))
                    {
                        if (name == "include") Add(values, dimension, text);
                        else Add(excluded, dimension, text.Value);
                    }
                }

                continue;
            }

            foreach (var text in Texts(value)) Add(values, name, text);
        }

        return (Freeze(values), Freeze(excluded));

        static void Add<T>(Dictionary<string, List<T>> into, string key, T value)
        {
            if (!into.TryGetValue(key, out var list)) into[key] = list = [];
            list.Add(value);
        }

        static IReadOnlyDictionary<string, IReadOnlyList<T>> Freeze<T>(Dictionary<string, List<T>> from) =>
            from.ToDictionary(p => p.Key, p => (IReadOnlyList<T>)p.Value, StringComparer.Ordinal);
    }

    private static IReadOnlyList<CiStep> Steps(string job, YamlNode? node, ICollection<CiStep>? labelledByUses)
    {
        var steps = new List<CiStep>();
        if (node is not YamlSequenceNode seq) return steps;
        foreach (var step in seq.Children)
        {
            if (step is not YamlMappingNode) continue;
            var uses = Text(step, "uses");
            if (uses is not null) uses = uses with { Value = uses.Value.Trim() };
            var run = Text(step, "run");
            var named = Text(step, "name")?.Value ?? Text(step, "id")?.Value;
            var label = named ?? uses?.Value ?? (run is null ? $"step {steps.Count + 1}" : CiDefinitionParser.ScriptLabel(run.Value));
            var parsed = new CiStep(job, label, Line(step), uses, run, Map(Get(step, "with")), Map(Get(step, "env")));
            steps.Add(parsed);
            if (named is null && uses is not null) labelledByUses?.Add(parsed);
        }

        return steps;
    }
}

/// <summary>Shared empty collections for the readers.</summary>
internal static class Empty
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<CiText>> Matrix = new Dictionary<string, IReadOnlyList<CiText>>();
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Excluded = new Dictionary<string, IReadOnlyList<string>>();
    public static readonly IReadOnlyDictionary<string, CiText> Map = new Dictionary<string, CiText>();
}
