using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>The keys of a section carried from version to version by change (<see cref="PnpmLockKeys"/>) are the keys of each version.</summary>
public sealed class PnpmLockKeysTests
{
    [Fact]
    public void Keys_carried_through_many_changes_are_each_versions_keys()
    {
        var random = new Random(26);
        var now = new HashSet<string>(Enumerable.Range(0, 50).Select(i => $"p{i}@1.0.0"), StringComparer.Ordinal);
        var keys = new PnpmLockKeys([.. now]);
        var held = new List<(PnpmLockKeys Keys, HashSet<string> Expected)>();
        // Past MaxSteps changes the keys are gathered again: go well beyond, and keep every version to ask later (a history branches).
        for (var change = 0; change < 3 * PnpmLockKeys.MaxSteps; change++)
        {
            var removed = new HashSet<string>(now.Where(_ => random.Next(10) == 0), StringComparer.Ordinal);
            // Some removed keys come back in the same change (an entry rewritten in place), some new ones come in.
            var added = new HashSet<string>(removed.Where(_ => random.Next(2) == 0).Concat(Enumerable.Range(0, random.Next(4)).Select(i => $"n{change}-{i}@1.0.0")), StringComparer.Ordinal);
            now = [.. now.Except(removed).Union(added)];
            var all = now;
            keys = keys.With(removed, added, () => [.. all]);
            held.Add((keys, all));
        }

        foreach (var (version, expected) in held)
        {
            foreach (var key in expected) Assert.True(version.Contains(key), key);
            foreach (var key in held.SelectMany(h => h.Expected).Distinct().Where(k => !expected.Contains(k))) Assert.False(version.Contains(key), key);
            Assert.False(version.Contains("never@1.0.0"));
        }
    }
}
