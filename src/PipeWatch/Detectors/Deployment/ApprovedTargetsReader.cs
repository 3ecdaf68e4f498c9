using PipeWatch.Configuration;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Reads <c>detectors.deployment.unapproved-target.approved</c>: entries of repository, environments, targets.</summary>
internal static class ApprovedTargetsReader
{
    public static List<ApprovedTargets> Read(YamlConfigReader reader, YamlNode node, string at) =>
        reader.MappingList(node, at, "must be a list of entries with repository, environments, targets", (item, map, path) => Entry(reader, item, map, path));

    private static ApprovedTargets? Entry(YamlConfigReader reader, YamlNode item, YamlMappingNode map, string path)
    {
        string? repository = null;
        IReadOnlyList<string> environments = [];
        IReadOnlyList<string> targets = [];
        foreach (var (key, value) in reader.Entries(map))
        {
            switch (key)
            {
                case "repository": repository = reader.String(value, $"{path}.{key}"); break;
                case "environments": environments = reader.Strings(value, $"{path}.{key}"); break;
                case "targets": targets = reader.Strings(value, $"{path}.{key}"); break;
                default: reader.Unknown(value, $"{path}.{key}", "repository, environments, targets"); break;
            }
        }

        if (repository is null)
        {
            reader.Problem(item, $"{path}: missing 'repository' (a glob such as 'octo-org/*')");
            return null;
        }

        if (environments.Count == 0 && targets.Count == 0)
        {
            reader.Problem(item, $"{path}: approves everything; give 'environments', 'targets' or both");
            return null;
        }

        return new ApprovedTargets(repository, environments, targets);
    }
}
