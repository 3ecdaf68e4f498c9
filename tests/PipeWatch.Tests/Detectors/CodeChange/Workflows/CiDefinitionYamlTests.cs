using System.Text.Json;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Tests.Detectors.CodeChange.Workflows;

/// <summary>CI definitions are read without YamlDotNet's merging parser unless a merge key is there, with the same result.</summary>
public sealed class CiDefinitionYamlTests
{
    private const string Merged = """
        .base: &base
          image: node:20
          script:
            - npm ci
        build:
          <<: *base
          stage: build
        """;

    [Fact]
    public void A_merge_key_is_still_resolved()
    {
        var build = (YamlMappingNode)((YamlMappingNode)CiDefinitionParser.LoadYaml(Merged).Documents[0].RootNode).Children[new YamlScalarNode("build")];

        Assert.Equal(["image", "script", "stage"], build.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_merge_key_spelt_with_an_escape_in_a_quoted_key_is_resolved_as_the_merging_parser_does()
    {
        // "\x3c<" is the scalar "<<": only a walk over the parsed scalars can tell, the text never holds "<<".
        var text = Merged.Replace("  <<: *base", "  \"\\x3c<\": *base", StringComparison.Ordinal);
        Assert.DoesNotContain("<<", text, StringComparison.Ordinal);

        var build = (YamlMappingNode)((YamlMappingNode)CiDefinitionParser.LoadYaml(text).Documents[0].RootNode).Children[new YamlScalarNode("build")];
        Assert.Equal(["image", "script", "stage"], build.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal));
        Assert.Equal(Shape(CiDefinitionParser.LoadYaml(text, alwaysMerge: true)), Shape(CiDefinitionParser.LoadYaml(text)));
    }

    [Theory]
    [InlineData("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cat <<EOF > out\n          x\n          EOF\n")]
    [InlineData("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: \"echo a\\\\\n          b\"\n")]
    [InlineData("a: &x\n  b: 1\nc: *x\nd:\n  - *x\n  - *x\n")]
    [InlineData("a: 1\n---\nb: 2\n")]
    public void Documents_read_without_the_merging_parser_equal_those_read_with_it(string text)
    {
        Assert.Equal(Shape(CiDefinitionParser.LoadYaml(text, alwaysMerge: true)), Shape(CiDefinitionParser.LoadYaml(text)));
    }

    [Theory]
    [InlineData("a: [1, 2\n")]
    [InlineData("a: 1\na: 2\n")]
    [InlineData("a: *missing\n")]
    [InlineData("<<: 3\n")]
    [InlineData("key: '<<'\n")]
    public void Text_that_does_not_read_fails_with_the_merging_parser_s_error(string text)
    {
        var expected = Assert.ThrowsAny<YamlException>(() => CiDefinitionParser.LoadYaml(text, alwaysMerge: true));
        var actual = Assert.ThrowsAny<YamlException>(() => CiDefinitionParser.LoadYaml(text));

        Assert.Equal((expected.GetType(), expected.Message, expected.Start.Line), (actual.GetType(), actual.Message, actual.Start.Line));
    }

    [Fact]
    public void A_workflow_parses_to_the_same_definition_either_way()
    {
        var text = CodeChangeHistory.CleanWorkflow;

        var reference = CiDefinitionParser.Parse(".github/workflows/ci.yml", text, CiPlatform.GitHubWorkflow, out _, alwaysMerge: true)!;
        var parsed = CiDefinitionParser.Parse(".github/workflows/ci.yml", text, CiPlatform.GitHubWorkflow, out _)!;

        Assert.NotEmpty(parsed.Steps);
        Assert.Equal(JsonSerializer.Serialize(reference), JsonSerializer.Serialize(parsed));
    }

    // Every node of every document with its style and position, aliases followed (the documents here are small).
    private static string Shape(YamlStream stream)
    {
        var text = new System.Text.StringBuilder();
        foreach (var document in stream.Documents) Write(document.RootNode, 0);
        return text.ToString();

        void Write(YamlNode node, int depth)
        {
            text.Append(' ', depth).Append(node.NodeType).Append('@').Append(node.Start.Line).Append(':').Append(node.Start.Column);
            switch (node)
            {
                case YamlScalarNode scalar:
                    text.Append(' ').Append(scalar.Style).Append(' ').AppendLine(scalar.Value);
                    break;
                case YamlSequenceNode sequence:
                    text.AppendLine();
                    foreach (var child in sequence.Children) Write(child, depth + 1);
                    break;
                case YamlMappingNode mapping:
                    text.AppendLine();
                    foreach (var (key, value) in mapping.Children)
                    {
                        Write(key, depth + 1);
                        Write(value, depth + 2);
                    }

                    break;
            }
        }
    }
}
