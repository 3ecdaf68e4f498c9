using PipeWatch.Configuration;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Reads <c>detectors.code-change.unauthorized-author.authors</c>: entries of repository, paths, allow.</summary>
internal static class AuthorRulesReader
{
    public static List<AuthorRule> Read(YamlConfigReader reader, YamlNode node, string at) =>
        reader.MappingList(node, at, "must be a list of entries with repository, paths, allow", (item, map, path) => Entry(reader, item, map, path));

    private static AuthorRule? Entry(YamlConfigReader reader, YamlNode item, YamlMappingNode map, string path)
    {
        string? repository = null;
        IReadOnlyList<string> paths = [];
        IReadOnlyList<string> allow = [];
        foreach (var (key, value) in reader.Entries(map))
        {
            switch (key)
            {
                case "repository": repository = reader.String(value, $"{path}.{key}"); break;
                case "paths": paths = reader.Strings(value, $"{path}.{key}"); break;
                case "allow": allow = reader.Strings(value, $"{path}.{key}"); break;
                default: reader.Unknown(value, $"{path}.{key}", "repository, paths, allow"); break;
            }
        }

        if (repository is null)
        {
            reader.Problem(item, $"{path}: missing 'repository' (a glob such as 'octo-org/*')");
            return null;
        }

        if (allow.Count == 0)
        {
            reader.Problem(item, $"{path}: allows nobody; give 'allow' (author e-mails, logins or names, globs allowed)");
            return null;
        }

        return new AuthorRule(repository, paths, allow);
    }
}
