using PipeWatch.Dependencies;
using PipeWatch.Detectors.Dependencies;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>
/// An index carried through a history of changes (<see cref="DependencyIndex.With"/>: its overlay growing, then started again
/// from the version's whole list) answers as the index of each version's whole list: keys, names, the one entry of a key, and
/// the keys whose entries disagree.
/// </summary>
public sealed class DependencyIndexTests
{
    [Fact]
    public void An_index_carried_through_three_hundred_bumps_answers_as_each_versions_whole_list()
    {
        var packages = Enumerable.Range(0, 100).Select(i => Package($"pkg{i}", "1.0.0")).ToList();
        var index = DependencyIndex.Of(packages);
        for (var step = 1; step <= 300; step++)
        {
            // A bot's bump of one package; every 7th step also adds a package, every 11th removes one, every 13th adds a second
            // variant of a version held (another hash), which makes its key disagree, and the step after takes it out again.
            var at = step % packages.Count;
            var removed = new List<Dependency> { packages[at] };
            var added = new List<Dependency> { Package(packages[at].Name, $"1.0.{step}") };
            if (step % 7 == 0) added.Add(Package($"new{step}", "2.0.0"));
            if (step % 11 == 0) removed.Add(packages[(at + 1) % packages.Count]);
            if (step % 13 == 0) added.Add(packages[(at + 2) % packages.Count] with { Integrity = "sha512-other" });
            if (step % 13 == 1 && step > 1 && packages.Single(p => p.Integrity == "sha512-other") is var variant && !removed.Contains(variant)) removed.Add(variant);
            foreach (var d in removed) packages.Remove(d);
            packages.AddRange(added);

            index = index.With(removed, added, packages) ?? throw new InvalidOperationException($"step {step}: {string.Join(", ", removed)} / {string.Join(", ", added)}");
            var whole = DependencyIndex.Of(packages);
            Assert.Equal(whole.MixedKeys, index.MixedKeys);
            Assert.Equal(step % 13 == 0 ? 1 : 0, index.MixedKeys);
            foreach (var d in packages.Concat(removed).Concat([Package("never", "1.0.0")]))
            {
                Assert.Equal(whole.HasKey(d.Key), index.HasKey(d.Key));
                Assert.Equal(whole.HasName(d.Ecosystem, d.Name), index.HasName(d.Ecosystem, d.Name));
                Assert.Equal(whole.Only(d.Key)?.Integrity, index.Only(d.Key)?.Integrity);
            }
        }
    }

    [Fact]
    public void A_delta_that_removes_a_package_the_version_does_not_hold_gives_null()
    {
        var index = DependencyIndex.Of([Package("a", "1.0.0")]);

        Assert.Null(index.With([Package("b", "1.0.0")], [], []));
        Assert.NotNull(index.With([Package("a", "1.0.0")], [], []));
    }

    [Fact]
    public void Names_are_told_apart_by_ecosystem_and_a_name_with_a_line_break_is_its_own()
    {
        var npm = Package("requests", "1.0.0");
        var hostile = Package("a\nb", "1.0.0");
        var index = DependencyIndex.Of([npm, hostile]).With([], [Package("c", "1.0.0")], [npm, hostile, Package("c", "1.0.0")])!;

        Assert.True(index.HasName(Ecosystems.Npm, "requests"));
        Assert.False(index.HasName(Ecosystems.PyPI, "requests"));
        Assert.True(index.HasName(Ecosystems.Npm, "a\nb"));
        Assert.False(index.HasName(Ecosystems.Npm, "a"));
        Assert.True(index.HasName(Ecosystems.Npm, "c"));
        Assert.False(index.With([npm], [], [hostile, Package("c", "1.0.0")])!.HasName(Ecosystems.Npm, "requests"));
    }

    private static Dependency Package(string name, string version) =>
        new(Ecosystems.Npm, name, version, false, new DependencySource(SourceKind.Registry), $"sha512-{name}-{version}");
}
