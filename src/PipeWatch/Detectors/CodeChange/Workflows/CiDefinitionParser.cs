using PipeWatch.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>Recognises CI definition files by path and parses them into <see cref="CiDefinition"/>s.</summary>
/// <remarks>YAML is read with YamlDotNet's merging parser, so anchors, aliases and <c>&lt;&lt;</c> merge keys are resolved; Jenkinsfiles are read as text.</remarks>
internal static class CiDefinitionParser
{
    /// <summary>The platform of a CI definition at <paramref name="path"/>, or null when the path is not one.</summary>
    public static CiPlatform? Classify(string path)
    {
        var normalized = path.Replace('\\', '/');
        var name = normalized[(normalized.LastIndexOf('/') + 1)..];
        var yaml = name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase);
        if (yaml && (normalized.StartsWith(".github/workflows/", StringComparison.Ordinal) || normalized.Contains("/.github/workflows/", StringComparison.Ordinal)))
        {
            return CiPlatform.GitHubWorkflow;
        }

        if (name is "action.yml" or "action.yaml") return CiPlatform.GitHubAction;
        if (name == ".gitlab-ci.yml" || (yaml && normalized.StartsWith(".gitlab/ci/", StringComparison.Ordinal))) return CiPlatform.GitLabCi;
        if (yaml && (name.StartsWith("azure-pipelines", StringComparison.OrdinalIgnoreCase) || name.StartsWith(".azure-pipelines", StringComparison.OrdinalIgnoreCase)
            || normalized.StartsWith(".azure-pipelines/", StringComparison.Ordinal)))
        {
            return CiPlatform.AzurePipelines;
        }

        if (name == "Jenkinsfile" || name.StartsWith("Jenkinsfile.", StringComparison.Ordinal) || name.EndsWith(".jenkinsfile", StringComparison.OrdinalIgnoreCase))
        {
            return CiPlatform.Jenkins;
        }

        return null;
    }

    /// <summary>The platform of a YAML file that is not at a CI path, recognised by its content: a GitHub workflow has top-level <c>on:</c> and <c>jobs:</c> (with <c>runs-on:</c> or <c>uses:</c> in it, so a workflow that only calls reusable ones counts), an action top-level <c>runs:</c> with <c>using:</c>, a GitLab CI file a job with <c>script:</c> and <c>stage:</c>/<c>stages:</c>.</summary>
    /// <remarks>For a plain folder or a single file (<c>scan --no-git</c>), where workflows are often not under <c>.github/workflows/</c>.</remarks>
    public static CiPlatform? ClassifyByContent(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        if (!path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)) return null;
        var topKeys = new HashSet<string>(StringComparer.Ordinal);
        var nested = false;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.Length == 0 || line[0] is '#' or ' ' or '\t' or '-')
            {
                var trimmed = line.TrimStart();
                if (trimmed.StartsWith("runs-on:") || trimmed.StartsWith("using:") || trimmed.StartsWith("script:") || trimmed.StartsWith("uses:")) nested = true;
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon > 0) topKeys.Add(line[..colon].Trim().Trim('"').Trim('\'').ToString());
        }

        if ((topKeys.Contains("on") || topKeys.Contains("true")) && topKeys.Contains("jobs") && nested) return CiPlatform.GitHubWorkflow;
        if (topKeys.Contains("runs") && nested && (topKeys.Contains("name") || topKeys.Contains("description"))) return CiPlatform.GitHubAction;
        if (topKeys.Contains("stages") && nested) return CiPlatform.GitLabCi;
        return null;
    }

    /// <summary>Parses <paramref name="text"/> as a definition of <paramref name="platform"/>; null with a reason when it is not valid.</summary>
    /// <param name="alwaysMerge">Read the YAML through the merging parser even when it has no merge key (the reference <see cref="LoadYaml"/> is checked against).</param>
    public static CiDefinition? Parse(string path, string text, CiPlatform platform, out string? error, bool alwaysMerge = false) =>
        Parse(path, text, platform, out error, alwaysMerge, labelledByUses: null);

    /// <inheritdoc cref="Parse(string, string, CiPlatform, out string?, bool)"/>
    /// <param name="labelledByUses">Receives the steps whose label is the action they use (no name, no id), for <see cref="ValueChange"/>.</param>
    internal static CiDefinition? Parse(string path, string text, CiPlatform platform, out string? error, bool alwaysMerge, ICollection<CiStep>? labelledByUses)
    {
        error = null;
        var lines = Lines(text);
        if (platform == CiPlatform.Jenkins) return JenkinsfileReader.Read(path, lines);

        YamlNode? root;
        try
        {
            var stream = LoadYaml(text, alwaysMerge);
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
            // A GitLab CI file may open with a `spec:` header document (its inputs); the pipeline is the document after it.
            if (platform == CiPlatform.GitLabCi && stream.Documents.Count > 1 && root is YamlMappingNode header
                && header.Children.Count == 1 && header.Children.Keys.Single() is YamlScalarNode { Value: "spec" })
            {
                root = stream.Documents[1].RootNode;
            }
        }
        catch (YamlException e)
        {
            error = $"{path}:{e.Start.Line}: not valid YAML: {e.Message}";
            return null;
        }

        if (root is not YamlMappingNode map)
        {
            error = $"{path}: the document is not a mapping";
            return null;
        }

        return platform switch
        {
            CiPlatform.GitLabCi => GitLabCiReader.Read(path, map, lines),
            CiPlatform.AzurePipelines => AzurePipelinesReader.Read(path, map, lines),
            _ => GitHubActionsReader.Read(path, platform, map, lines, labelledByUses),
        };
    }

    /// <summary>The YAML documents of <paramref name="text"/>, <c>&lt;&lt;</c> merge keys resolved as YamlDotNet's merging parser does.</summary>
    /// <remarks>
    /// The merging parser holds every event of the file in a linked list before the node tree sees the first one; most
    /// definitions have no merge key, and for them it changes nothing: it acts only on a scalar whose whole value is
    /// <c>&lt;&lt;</c>. So the text is read without it, and read again with it when any scalar of the result is exactly
    /// <c>&lt;&lt;</c> (a scalar can only be that if the text holds <c>&lt;&lt;</c> or a backslash escape; a heredoc's
    /// <c>cat &lt;&lt;EOF</c> is part of a longer scalar) or when the text does not read, so that failures, and which one is
    /// raised, are exactly the merging parser's.
    /// </remarks>
    /// <exception cref="YamlException">The text is not valid YAML (or nests too deep).</exception>
    internal static YamlStream LoadYaml(string text, bool alwaysMerge = false)
    {
        if (alwaysMerge) return Load(text, merging: true);
        YamlStream plain;
        try
        {
            plain = Load(text, merging: false);
        }
        catch (YamlException)
        {
            return Load(text, merging: true);
        }

        var mayMerge = text.Contains("<<", StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal);
        return mayMerge && HasMergeKey(plain) ? Load(text, merging: true) : plain;

        static YamlStream Load(string text, bool merging)
        {
            var stream = new YamlStream();
            IParser parser = new DepthLimitedParser(new Parser(new StringReader(text)));
            DepthLimitedParser.Load(stream, merging ? new MergingParser(parser) : parser);
            return stream;
        }
    }

    // True when any scalar of the documents is "<<" (each node visited once: aliases share nodes, so a file of nested aliases
    // cannot make the walk exponential).
    private static bool HasMergeKey(YamlStream stream)
    {
        var seen = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<YamlNode>(stream.Documents.Select(d => d.RootNode));
        while (pending.TryPop(out var node))
        {
            if (!seen.Add(node)) continue;
            switch (node)
            {
                case YamlScalarNode { Value: "<<" }:
                    return true;
                case YamlSequenceNode sequence:
                    foreach (var child in sequence.Children) pending.Push(child);
                    break;
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        pending.Push(key);
                        pending.Push(value);
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>The lines of a definition's text, as <see cref="CiDefinition.Lines"/> holds them.</summary>
    internal static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    /// <summary>
    /// <see cref="Lines(string)"/> of <paramref name="text"/>, the next version of a definition whose lines were
    /// <paramref name="previous"/>, when it has as many lines; null (nothing split) when it has not. A line equal to the previous
    /// version's at its place is that very string, and the 0-based index of every other line is added to <paramref name="changed"/>:
    /// a bot's bump that rewrites one line of two hundred copies that one line, not the file.
    /// </summary>
    internal static string[]? LinesLike(string text, IReadOnlyList<string> previous, List<int> changed)
    {
        if (text.Contains('\r'))
        {
            // Line ends other than '\n' (rare in a workflow): the plain split, compared line by line.
            var all = Lines(text);
            if (all.Length != previous.Count) return null;
            for (var i = 0; i < all.Length; i++)
            {
                if (string.Equals(all[i], previous[i], StringComparison.Ordinal)) all[i] = previous[i];
                else changed.Add(i);
            }

            return all;
        }

        var span = text.AsSpan();
        if (span.Count('\n') + 1 != previous.Count) return null;
        var lines = new string[previous.Count];
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var end = i == lines.Length - 1 ? text.Length : text.IndexOf('\n', start);
            var line = span[start..end];
            if (line.SequenceEqual(previous[i]))
            {
                lines[i] = previous[i];
            }
            else
            {
                lines[i] = line.ToString();
                changed.Add(i);
            }

            start = end + 1;
        }

        return lines;
    }

    /// <summary>A short label for a script step: its first non-empty line, trimmed to 60 characters.</summary>
    internal static string ScriptLabel(string script)
    {
        var first = script.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? string.Empty;
        return first.Length > 60 ? first[..60] + "…" : first;
    }
}
