using PipeWatch.Dependencies;
using Xunit;

namespace PipeWatch.Tests.Dependencies;

/// <summary>A <see cref="Dependency"/>'s key is built once and shared by its copies, yet always names its own parts, and never changes equality.</summary>
public sealed class DependencyTests
{
    private static readonly Dependency Lodash = new(Ecosystems.Npm, "lodash", "4.17.20", false, new DependencySource(SourceKind.Registry), "sha512-x", 12);

    [Fact]
    public void A_copy_at_another_line_shares_the_key_already_built()
    {
        var key = Lodash.Key;
        var copy = Lodash with { Direct = true, Line = 40 };

        Assert.Equal("npm|lodash|4.17.20", key);
        Assert.Same(key, copy.Key);
    }

    [Fact]
    public void A_copy_that_changes_a_part_has_its_own_key_and_the_original_keeps_its_own()
    {
        _ = Lodash.Key;
        var moved = Lodash with { Name = "lodash-es", Version = "4.17.21" };

        Assert.Equal("npm|lodash-es|4.17.21", moved.Key);
        Assert.Equal("npm|lodash|4.17.20", Lodash.Key);
        Assert.Equal("npm|lodash-es|4.17.21", moved.Key);
    }

    [Fact]
    public void Equality_does_not_depend_on_whether_the_key_was_built()
    {
        var fresh = new Dependency(Ecosystems.Npm, "lodash", "4.17.20", false, new DependencySource(SourceKind.Registry), "sha512-x", 12);
        _ = Lodash.Key;

        Assert.Equal(Lodash, fresh);
        Assert.Equal(Lodash.GetHashCode(), fresh.GetHashCode());
        Assert.NotEqual(Lodash, fresh with { Version = "4.17.21" });
    }
}
