using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>NuGet <c>packages.config</c>: the flat list of <c>&lt;package id version&gt;</c> a project installs (all of them direct).</summary>
internal sealed class PackagesConfigParser : ILockfileParser
{
    public string Format => "nuget-packages-config";

    public bool Recognizes(string path) => SourceText.FileName(path).Equals("packages.config", StringComparison.OrdinalIgnoreCase);

    public LockfileParse Parse(string path, string text)
    {
        var document = XmlLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        if (document.Root?.Name.LocalName != "packages") return LockfileParse.Failed(path, $"root element is <{document.Root?.Name.LocalName}>, not <packages>", document.Root?.Line());
        var found = new List<Dependency>();
        var problems = new List<Problem>();
        foreach (var package in document.Root.Elements().Where(e => e.Name.LocalName == "package"))
        {
            var id = package.Value("id");
            var version = package.Value("version");
            if (id is null || version is null)
            {
                problems.Add(new Problem(path, $"<package> without {(id is null ? "an id" : "a version")}", package.Line()));
                continue;
            }

            found.Add(new Dependency(Ecosystems.NuGet, id, version, true, new DependencySource(SourceKind.Registry), null, package.Line())
            {
                Dev = package.Attribute("developmentDependency")?.Value == "true",
            });
        }

        return new LockfileParse(found, problems);
    }
}
