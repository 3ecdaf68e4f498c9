using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>MSBuild project files (<c>*.csproj</c>, <c>*.fsproj</c>, <c>*.vbproj</c>) and <c>Directory.Packages.props</c>: <c>PackageReference</c> and central <c>PackageVersion</c> items with a version.</summary>
/// <remarks>A reference without a version takes it from central package management and is listed there; it is skipped here, not a problem.</remarks>
internal sealed class MsBuildPackageReferenceParser : ILockfileParser
{
    public string Format => "msbuild-package-references";

    public bool Recognizes(string path)
    {
        var name = SourceText.FileName(path);
        return name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".fsproj", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".vbproj", StringComparison.OrdinalIgnoreCase) || name.Equals("Directory.Packages.props", StringComparison.OrdinalIgnoreCase);
    }

    public LockfileParse Parse(string path, string text)
    {
        var document = XmlLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        if (document.Root?.Name.LocalName != "Project") return LockfileParse.Failed(path, $"root element is <{document.Root?.Name.LocalName}>, not <Project>", document.Root?.Line());
        var found = new List<Dependency>();
        var problems = new List<Problem>();
        foreach (var item in document.Root.Descendants().Where(e => e.Name.LocalName is "PackageReference" or "PackageVersion" or "GlobalPackageReference"))
        {
            var id = item.Value("Include") ?? item.Value("Update");
            var version = item.Value("Version") ?? item.Value("VersionOverride");
            if (id is null)
            {
                problems.Add(new Problem(path, $"<{item.Name.LocalName}> without a package id (Include)", item.Line()));
                continue;
            }

            if (version is null) continue;
            // "[1.2.3]" pins exactly; a floating or open range is kept as written and matches no exact version.
            version = version.StartsWith('[') && version.EndsWith(']') && !version.Contains(',', StringComparison.Ordinal) ? version[1..^1] : version;
            found.Add(new Dependency(Ecosystems.NuGet, id, version, true, new DependencySource(SourceKind.Registry), null, item.Line())
            {
                Dev = item.Value("PrivateAssets") == "all",
            });
        }

        return new LockfileParse(found, problems);
    }
}
