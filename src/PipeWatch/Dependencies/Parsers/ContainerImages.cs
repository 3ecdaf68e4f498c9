namespace PipeWatch.Dependencies.Parsers;

/// <summary>Turns an image reference (<c>[registry/]name[:tag][@sha256:…]</c>) into a Docker dependency.</summary>
internal static class ContainerImages
{
    public static Dependency? From(string? reference, int? line)
    {
        if (string.IsNullOrWhiteSpace(reference)) return null;
        var r = reference.Trim();
        if (r.StartsWith("docker://", StringComparison.Ordinal)) r = r[9..];
        // Variables are resolved at run time; nothing exact can be said about them.
        if (r.Contains('$', StringComparison.Ordinal) || r.Equals("scratch", StringComparison.OrdinalIgnoreCase)) return null;
        string? digest = null;
        var at = r.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = r[(at + 1)..];
            r = r[..at];
        }

        var colon = r.LastIndexOf(':');
        var tag = colon > r.LastIndexOf('/') ? r[(colon + 1)..] : null;
        var name = tag is null ? r : r[..colon];
        var firstPart = name.Split('/')[0];
        var registry = name.Contains('/', StringComparison.Ordinal) && (firstPart.Contains('.', StringComparison.Ordinal) || firstPart.Contains(':', StringComparison.Ordinal) || firstPart == "localhost")
            ? firstPart
            : "docker.io";
        return new Dependency(Ecosystems.Docker, name, tag ?? (digest is null ? "latest" : ""), true, new DependencySource(SourceKind.Registry, registry), digest, line);
    }
}
