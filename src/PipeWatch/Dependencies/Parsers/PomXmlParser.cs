using System.Text.RegularExpressions;
using System.Xml.Linq;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Maven <c>pom.xml</c>: declared dependencies (also in <c>dependencyManagement</c> and profiles) with versions, <c>${property}</c> references resolved from the file's <c>properties</c> and project version.</summary>
/// <remarks>Parent POMs and version ranges are not resolved: a version still holding <c>${…}</c> or a range is kept as written and matches nothing.</remarks>
internal sealed partial class PomXmlParser : ILockfileParser
{
    public string Format => "maven-pom";

    public bool Recognizes(string path) => SourceText.FileName(path) == "pom.xml";

    public LockfileParse Parse(string path, string text)
    {
        var document = XmlLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        if (document.Root?.Name.LocalName != "project") return LockfileParse.Failed(path, $"root element is <{document.Root?.Name.LocalName}>, not <project>", document.Root?.Line());
        var project = document.Root;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in project.Descendants().Where(e => e.Name.LocalName == "properties").SelectMany(e => e.Elements())) properties.TryAdd(p.Name.LocalName, p.Value.Trim());
        if ((Child(project, "version") ?? Child(Element(project, "parent"), "version")) is { } projectVersion)
        {
            properties.TryAdd("project.version", projectVersion);
            properties.TryAdd("version", projectVersion);
        }

        var found = new List<Dependency>();
        var problems = new List<Problem>();
        foreach (var dependency in project.Descendants().Where(e => e.Name.LocalName == "dependency" && e.Parent?.Name.LocalName == "dependencies"))
        {
            // Plugins' own dependencies are build tools, not the project's.
            if (dependency.Ancestors().Any(a => a.Name.LocalName == "plugin")) continue;
            var group = Resolve(Child(dependency, "groupId"), properties);
            var artifact = Resolve(Child(dependency, "artifactId"), properties);
            if (group is null || artifact is null)
            {
                problems.Add(new Problem(path, "<dependency> without groupId or artifactId", dependency.Line()));
                continue;
            }

            var version = Resolve(Child(dependency, "version"), properties) ?? "";
            if (version.StartsWith('[') && version.EndsWith(']') && !version.Contains(',', StringComparison.Ordinal)) version = version[1..^1];
            var managed = dependency.Ancestors().Any(a => a.Name.LocalName == "dependencyManagement");
            found.Add(new Dependency(Ecosystems.Maven, $"{group}:{artifact}", version, !managed, new DependencySource(SourceKind.Registry), null, dependency.Line())
            {
                Dev = Child(dependency, "scope") == "test",
            });
        }

        return new LockfileParse(found, problems);
    }

    private static XElement? Element(XElement? e, string name) => e?.Elements().FirstOrDefault(c => c.Name.LocalName == name);

    private static string? Child(XElement? e, string name) => Element(e, name)?.Value.Trim() is { Length: > 0 } v ? v : null;

    private static string? Resolve(string? value, Dictionary<string, string> properties)
    {
        if (value is null) return null;
        for (var i = 0; i < 5 && value.Contains("${", StringComparison.Ordinal); i++)
        {
            value = Property().Replace(value, m => properties.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        }

        return value;
    }

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex Property();
}
