using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>GitHub Actions workflows and composite actions: every <c>uses:</c> (owner/repo@ref, the SHA where pinned) and container image (job containers, services, <c>docker://</c> steps).</summary>
/// <remarks>For an action pinned to a commit SHA, a trailing <c># v1.2.3</c> comment names the version; the SHA is kept as its integrity.</remarks>
internal sealed partial class GitHubWorkflowParser : ILockfileParser
{
    public string Format => "github-workflow";

    public bool Recognizes(string path)
    {
        var p = path.Replace('\\', '/');
        var name = SourceText.FileName(p);
        var yaml = name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase);
        return yaml && (p.Contains(".github/workflows/", StringComparison.Ordinal) || name is "action.yml" or "action.yaml");
    }

    public LockfileParse Parse(string path, string text)
    {
        var root = YamlLockfiles.Open(path, text, out var failure);
        if (root is null) return failure!;
        var lines = text.Split('\n');
        var found = new List<Dependency>();
        foreach (var (_, job) in root.Child("jobs").Entries())
        {
            Uses(job.Child("uses"), lines, found);
            Image(job.Child("container"), found);
            foreach (var (_, service) in job.Child("services").Entries()) Image(service, found);
            foreach (var step in job.Child("steps").Items()) Uses(step.Child("uses"), lines, found);
        }

        // A composite action's steps.
        foreach (var step in root.Child("runs")?.Child("steps").Items() ?? []) Uses(step.Child("uses"), lines, found);
        return LockfileParse.Of(found);
    }

    private static void Image(YamlNode? node, List<Dependency> found)
    {
        var image = node.Scalar() ?? node?.Child("image").Scalar();
        if (ContainerImages.From(image, node?.Line()) is { } d) found.Add(d);
    }

    private static void Uses(YamlNode? node, string[] lines, List<Dependency> found)
    {
        if (node.Scalar() is not { Length: > 0 } uses || uses.StartsWith("./", StringComparison.Ordinal)) return;
        if (uses.StartsWith("docker://", StringComparison.Ordinal))
        {
            if (ContainerImages.From(uses, node!.Line()) is { } image) found.Add(image);
            return;
        }

        var at = uses.LastIndexOf('@');
        var target = at < 0 ? uses : uses[..at];
        var reference = at < 0 ? "" : uses[(at + 1)..];
        var parts = target.Split('/');
        if (parts.Length < 2) return;
        var repository = $"{parts[0]}/{parts[1]}";
        var line = node!.Line();
        var pinned = Sha().IsMatch(reference);
        var version = reference;
        if (pinned && line - 1 < lines.Length && VersionComment().Match(lines[line - 1]) is { Success: true } comment) version = comment.Groups[1].Value;
        found.Add(new Dependency(
            Ecosystems.GitHubActions,
            repository,
            version,
            true,
            new DependencySource(SourceKind.Git, $"https://github.com/{repository}"),
            pinned ? reference : null,
            line));
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex Sha();

    [GeneratedRegex(@"#\s*(v?\d+(?:\.\d+){0,2}[\w.-]*)")]
    private static partial Regex VersionComment();
}
