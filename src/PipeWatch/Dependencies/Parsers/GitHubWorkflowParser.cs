using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>GitHub Actions workflows and composite actions: every <c>uses:</c> (owner/repo@ref, the SHA where pinned) and container image (job containers, services, <c>docker://</c> steps).</summary>
/// <remarks>
/// For an action pinned to a commit SHA, a trailing <c># v1.2.3</c> comment names the version; the SHA is kept as its integrity.
/// A version whose change only replaced one-line values (a dependency bot's pin, comment or tag bump) is made from the previous
/// version's <see cref="WorkflowSlots"/> without parsing the YAML again (<see cref="Follow"/>).
/// </remarks>
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
        // Every place a dependency is read from, in the order the dependencies are listed, whether or not it names one now.
        var slots = new List<(WorkflowSlot Slot, YamlScalarNode Node)>();
        foreach (var (_, job) in root.Child("jobs").Entries())
        {
            Uses(job.Child("uses"), lines, slots);
            Image(job.Child("container"), slots);
            foreach (var (_, service) in job.Child("services").Entries()) Image(service, slots);
            foreach (var step in job.Child("steps").Items()) Uses(step.Child("uses"), lines, slots);
        }

        // A composite action's steps.
        foreach (var step in root.Child("runs")?.Child("steps").Items() ?? []) Uses(step.Child("uses"), lines, slots);
        return WorkflowSlots.Of(root, text, lines, slots) is { } made
            ? LockfileParse.Of(made.Dependencies) with { Layout = made.Layout() }
            : LockfileParse.Of([.. slots.Select(s => s.Slot.Dependency).OfType<Dependency>()]);
    }

    /// <summary>The next version made from the previous one's <see cref="WorkflowSlots"/> when the change only replaced one-line values; else null.</summary>
    public LockfileParse? Follow(string path, string text, LockfileBlockMemo memo, LockfileLayout previous, IReadOnlyList<LineEdit> edits) =>
        previous.Segments is [{ Value: WorkflowSlots before }] && before.Follow(text, edits) is { } next
            ? LockfileParse.Of(next.Dependencies) with { Layout = next.Layout() }
            : null;

    /// <summary>The dependency a step's or job's <c>uses:</c> value names on its line, or null (empty, a local action, a variable image…).</summary>
    /// <param name="lineText">The text of the value's line (where a SHA-pinned action's <c># v1.2.3</c> comment is), when known.</param>
    internal static Dependency? Action(string uses, int line, string? lineText)
    {
        if (uses.Length == 0 || uses.StartsWith("./", StringComparison.Ordinal)) return null;
        if (uses.StartsWith("docker://", StringComparison.Ordinal)) return ContainerImages.From(uses, line);

        var at = uses.LastIndexOf('@');
        var target = at < 0 ? uses : uses[..at];
        var reference = at < 0 ? "" : uses[(at + 1)..];
        var parts = target.Split('/');
        if (parts.Length < 2) return null;
        var repository = $"{parts[0]}/{parts[1]}";
        var pinned = Sha().IsMatch(reference);
        var version = reference;
        if (pinned && lineText is not null && VersionComment().Match(lineText) is { Success: true } comment) version = comment.Groups[1].Value;
        return new Dependency(
            Ecosystems.GitHubActions,
            repository,
            version,
            true,
            new DependencySource(SourceKind.Git, $"https://github.com/{repository}"),
            pinned ? reference : null,
            line);
    }

    // A job's container or a service: an image name, or a mapping with an `image:`; the dependency's line is the node's own.
    private static void Image(YamlNode? node, List<(WorkflowSlot, YamlScalarNode)> slots)
    {
        if ((node as YamlScalarNode ?? node?.Child("image") as YamlScalarNode) is not { } image) return;
        var line = node!.Line();
        slots.Add((new WorkflowSlot(WorkflowSlotKind.Image, image.Line(), line, ContainerImages.From(image.Value, line)), image));
    }

    private static void Uses(YamlNode? node, string[] lines, List<(WorkflowSlot, YamlScalarNode)> slots)
    {
        if (node is not YamlScalarNode uses) return;
        var line = uses.Line();
        var lineText = line - 1 < lines.Length ? lines[line - 1] : null;
        slots.Add((new WorkflowSlot(WorkflowSlotKind.Uses, line, line, Action(uses.Value ?? "", line, lineText)), uses));
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex Sha();

    [GeneratedRegex(@"#\s*(v?\d+(?:\.\d+){0,2}[\w.-]*)")]
    private static partial Regex VersionComment();
}
