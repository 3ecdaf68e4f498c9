using PipeWatch.Engine;
using PipeWatch.Tests.Support;
using PublicApiGenerator;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>
/// The engine library is internal by default: only what a host (the CLI, the server, a program embedding the engine) needs
/// is public. Its public API is pinned in <c>Expected/PipeWatch.Core.api.txt</c>, so a type or member made public, changed or
/// removed shows in review as a diff of that file (<c>PIPEWATCH_UPDATE_GOLDEN=1</c> rewrites it).
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Golden Expected = new("Conventions");

    [Fact]
    public void The_public_api_of_the_engine_library_is_the_approved_one()
    {
        var api = typeof(PipelineBuilder).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false });

        Expected.Verify("PipeWatch.Core.api.txt", api.ReplaceLineEndings("\n") + "\n");
    }

    [Fact]
    public void Most_of_the_library_is_internal()
    {
        var types = typeof(PipelineBuilder).Assembly.GetTypes().Where(t => !t.IsNested && t.Namespace?.StartsWith("PipeWatch", StringComparison.Ordinal) == true).ToList();
        var exported = types.Count(t => t.IsPublic);

        // Internal by default: a public type is a decision, recorded in the approved file above.
        Assert.True(exported * 2 < types.Count, $"{exported} of {types.Count} top-level types are public");
    }
}
