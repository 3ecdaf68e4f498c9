namespace PipeWatch.Dependencies.Images;

/// <summary>A package as an installed-package database states it, before the image's ecosystem and layer are attached.</summary>
internal sealed record InstalledPackage(string Name, string Version, string? SourceName = null, string? SourceVersion = null);

/// <summary>Reads the text package databases of Debian (<c>/var/lib/dpkg/status</c>, <c>status.d/</c>) and Alpine (<c>/lib/apk/db/installed</c>).</summary>
internal static class OsPackageDatabases
{
    // dpkg states in which the package's files are on disk ("half-installed" stopped part way; "config-files" and "not-installed" left none).
    private static readonly HashSet<string> OnDisk = new(StringComparer.Ordinal) { "installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending" };

    /// <summary>The packages of a dpkg status file (RFC 822 paragraphs): those whose <c>Status</c> says their files are installed, or that have no <c>Status</c> (distroless <c>status.d/</c>).</summary>
    /// <param name="problems">Receives a reason for each paragraph without a name or version.</param>
    public static IReadOnlyList<InstalledPackage> Dpkg(string text, ICollection<string> problems)
    {
        var found = new List<InstalledPackage>();
        foreach (var paragraph in Paragraphs(text))
        {
            if (paragraph.Count == 0) continue;
            var name = paragraph.GetValueOrDefault("Package");
            var version = paragraph.GetValueOrDefault("Version");
            if (paragraph.TryGetValue("Status", out var status) && !OnDisk.Contains(status.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")) continue;
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            {
                problems.Add($"a paragraph without {(string.IsNullOrEmpty(name) ? "Package" : "Version")} ({(name ?? "unnamed")}) is skipped");
                continue;
            }

            // "Source: util-linux (2.38.1-5)": the source package, and its version when it differs from the binary's (binNMUs).
            string? source = null, sourceVersion = null;
            if (paragraph.GetValueOrDefault("Source") is { Length: > 0 } s)
            {
                var open = s.IndexOf('(', StringComparison.Ordinal);
                source = (open < 0 ? s : s[..open]).Trim();
                if (open >= 0 && s.IndexOf(')', open) is var close and > 0) sourceVersion = s[(open + 1)..close].Trim();
                if (source == name) source = null;
                if (sourceVersion == version || sourceVersion?.Length == 0) sourceVersion = null;
            }

            found.Add(new InstalledPackage(name, version, source, sourceVersion));
        }

        return found;
    }

    /// <summary>The packages of an apk database: records of <c>X:value</c> lines separated by blank lines; <c>P</c> name, <c>V</c> version, <c>o</c> origin.</summary>
    public static IReadOnlyList<InstalledPackage> Apk(string text, ICollection<string> problems)
    {
        var found = new List<InstalledPackage>();
        string? name = null, version = null, origin = null;
        var any = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            if (line.Length < 2 || line[1] != ':') continue;
            any = true;
            switch (line[0])
            {
                case 'P': name = line[2..]; break;
                case 'V': version = line[2..]; break;
                case 'o': origin = line[2..]; break;
            }
        }

        Flush();
        return found;

        void Flush()
        {
            if (any)
            {
                if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version)) problems.Add($"a record without {(string.IsNullOrEmpty(name) ? "P:" : "V:")} ({name ?? "unnamed"}) is skipped");
                else found.Add(new InstalledPackage(name, version, origin == name || string.IsNullOrEmpty(origin) ? null : origin));
            }

            name = version = origin = null;
            any = false;
        }
    }

    /// <summary>RFC 822 style paragraphs: <c>Field: value</c>, continuation lines indented, paragraphs separated by blank lines.</summary>
    private static IEnumerable<Dictionary<string, string>> Paragraphs(string text)
    {
        var current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                if (current.Count > 0) yield return current;
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                continue;
            }

            // A continuation line (a description's further lines): only the first line of a field is needed here.
            if (line[0] is ' ' or '\t') continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            current[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        if (current.Count > 0) yield return current;
    }
}
