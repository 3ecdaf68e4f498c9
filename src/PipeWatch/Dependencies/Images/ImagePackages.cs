using System.Text;

namespace PipeWatch.Dependencies.Images;

/// <summary>Reads the packages out of an image's applied package files: the distribution from <c>os-release</c>, its package databases, and the language packages.</summary>
/// <remarks>
/// A package database is rewritten by every layer that installs something, so an OS package is credited to the lowest
/// layer from which every later version of the database lists it at that version (the layer that installed it), not to
/// the last layer that rewrote the file.
/// </remarks>
internal static class ImagePackages
{
    public static (OsRelease? Os, IReadOnlyList<ImagePackage> Packages) Extract(ImageFileSystem files, IReadOnlyList<ImageLayer> layers, Action<string> problem)
    {
        var os = (files.Resolve("etc/os-release") ?? files.Resolve("usr/lib/os-release")) is { File.Content: { } release } ? OsRelease.Parse(Text(release)) : null;
        var packages = new List<ImagePackage>();
        var osFiles = files.Files.Where(f => f.File.Kind is PackageFileKind.Dpkg or PackageFileKind.Apk or PackageFileKind.RpmSqlite or PackageFileKind.RpmBerkeleyDb or PackageFileKind.RpmNdb).ToList();
        string? distribution = null;
        if (osFiles.Count > 0)
        {
            distribution = os?.Ecosystem;
            if (os is null) problem("no /etc/os-release: the distribution's release is unknown, so its packages are matched only against advisories that name no release");
            else if (distribution is null) problem($"{os.PrettyName} (ID={os.Id}) is not a distribution the OSV advisories cover; its packages are listed under '{os.Id}' and not matched");
        }

        foreach (var (path, _, file) in osFiles)
        {
            if (file.Kind == PackageFileKind.RpmNdb)
            {
                problem($"/{path}: an rpm NDB database (SUSE), which PipeWatch does not read; its packages are not listed");
                continue;
            }

            var ecosystem = distribution ?? os?.Id ?? file.Kind switch
            {
                PackageFileKind.Dpkg => Ecosystems.Debian,
                PackageFileKind.Apk => Ecosystems.Alpine,
                _ => Ecosystems.RedHat,
            };

            // Each version of the database, oldest first, from the lowest layer that wrote it since it was last deleted.
            var versions = files.Versions(path).Where(v => v.File.Content is not null).Select(v => (v.Layer, Packages: Read(path, v.File, v.Layer == files.Versions(path)[^1].Layer ? problem : _ => { }))).ToList();
            if (versions.Count == 0) continue;
            var keys = versions.Select(v => v.Packages.Select(p => p.Name + "\n" + p.Version).ToHashSet(StringComparer.Ordinal)).ToList();
            foreach (var package in versions[^1].Packages)
            {
                var key = package.Name + "\n" + package.Version;
                var from = versions.Count - 1;
                while (from > 0 && keys[from - 1].Contains(key)) from--;
                packages.Add(new ImagePackage(ecosystem, package.Name, package.Version, layers[versions[from].Layer], "/" + path, package.SourceName, package.SourceVersion));
            }
        }

        foreach (var (path, layer, file) in files.Files)
        {
            if (file.Content is not { } content) continue;
            var reasons = new List<string>();
            var (ecosystem, found) = file.Kind switch
            {
                PackageFileKind.Npm => (Ecosystems.Npm, LanguagePackages.Npm(content, reasons) is { } p ? [p] : (IReadOnlyList<InstalledPackage>)[]),
                PackageFileKind.Python => (Ecosystems.PyPI, LanguagePackages.Python(Text(content)) is { } p ? [p] : []),
                PackageFileKind.DotNet => (Ecosystems.NuGet, LanguagePackages.DotNet(path, Text(content), reasons)),
                _ => ("", []),
            };

            foreach (var reason in reasons) problem($"/{path}: {reason}");
            packages.AddRange(found.Select(p => new ImagePackage(ecosystem, p.Name, p.Version, layers[layer], "/" + path)));
        }

        return (os, packages);
    }

    private static IReadOnlyList<InstalledPackage> Read(string path, LayerFile file, Action<string> problem)
    {
        var reasons = new List<string>();
        var found = file.Kind switch
        {
            PackageFileKind.Dpkg => OsPackageDatabases.Dpkg(Text(file.Content!), reasons),
            PackageFileKind.Apk => OsPackageDatabases.Apk(Text(file.Content!), reasons),
            PackageFileKind.RpmSqlite => RpmDatabase.Sqlite(file.Content!, reasons),
            _ => RpmDatabase.BerkeleyDb(file.Content!, reasons),
        };
        foreach (var reason in reasons) problem($"/{path}: {reason}");
        return found;
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes);
}
