namespace PipeWatch.Dependencies.Parsers;

/// <summary>GitLab CI <c>.gitlab-ci.yml</c>: the container images of the default and of each job (<c>image:</c>, <c>services:</c>).</summary>
internal sealed class GitLabCiParser : ILockfileParser
{
    public string Format => "gitlab-ci";

    public bool Recognizes(string path) => SourceText.FileName(path) is ".gitlab-ci.yml" or ".gitlab-ci.yaml";

    public LockfileParse Parse(string path, string text)
    {
        var root = YamlLockfiles.Open(path, text, out var failure);
        if (root is null) return failure!;
        var found = new List<Dependency>();
        Images(root, found);
        Images(root.Child("default"), found);
        foreach (var (key, job) in root.Entries())
        {
            if (key.Scalar() is "default" or "variables" or "include" or "stages" || job is not YamlDotNet.RepresentationModel.YamlMappingNode) continue;
            Images(job, found);
        }

        return LockfileParse.Of(found);
    }

    private static void Images(YamlDotNet.RepresentationModel.YamlNode? node, List<Dependency> found)
    {
        if (node is null) return;
        if (node.Child("image") is { } image && ContainerImages.From(image.Scalar() ?? image.Child("name").Scalar(), image.Line()) is { } d) found.Add(d);
        foreach (var service in node.Child("services").Items())
        {
            if (ContainerImages.From(service.Scalar() ?? service.Child("name").Scalar(), service.Line()) is { } s) found.Add(s);
        }
    }
}
