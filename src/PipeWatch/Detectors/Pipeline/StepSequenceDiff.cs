namespace PipeWatch.Detectors.Pipeline;

/// <summary>What changed between a learned step sequence and an observed one: steps added, removed and moved (by longest common subsequence).</summary>
internal sealed record StepSequenceDiff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Moved, IReadOnlyList<string> Descriptions)
{
    public static StepSequenceDiff Between(IReadOnlyList<string> learned, IReadOnlyList<string> observed)
    {
        var inCommonLearned = new bool[learned.Count];
        var inCommonObserved = new bool[observed.Count];
        MarkLongestCommonSubsequence(learned, observed, inCommonLearned, inCommonObserved);

        var removedNames = Enumerable.Range(0, learned.Count).Where(i => !inCommonLearned[i]).Select(i => learned[i]).ToList();
        var addedIndexes = Enumerable.Range(0, observed.Count).Where(i => !inCommonObserved[i]).ToList();
        var moved = new List<string>();
        var added = new List<string>();
        var descriptions = new List<string>();
        foreach (var index in addedIndexes)
        {
            var name = observed[index];
            var position = Position(observed, index);
            if (removedNames.Remove(name))
            {
                moved.Add(name);
                descriptions.Add($"'{name}' moved {position}");
            }
            else
            {
                added.Add(name);
                descriptions.Add($"'{name}' added {position}");
            }
        }

        descriptions.AddRange(removedNames.Select(name => $"'{name}' removed"));
        return new StepSequenceDiff(added, removedNames, moved, descriptions);
    }

    private static string Position(IReadOnlyList<string> steps, int index) =>
        (index > 0, index < steps.Count - 1) switch
        {
            (true, true) => $"between '{steps[index - 1]}' and '{steps[index + 1]}'",
            (true, false) => $"after '{steps[index - 1]}'",
            (false, true) => $"before '{steps[index + 1]}'",
            _ => "as the only step",
        };

    private static void MarkLongestCommonSubsequence(IReadOnlyList<string> a, IReadOnlyList<string> b, bool[] inA, bool[] inB)
    {
        var lengths = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                lengths[i, j] = string.Equals(a[i], b[j], StringComparison.Ordinal)
                    ? lengths[i + 1, j + 1] + 1
                    : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        for (int i = 0, j = 0; i < a.Count && j < b.Count;)
        {
            if (string.Equals(a[i], b[j], StringComparison.Ordinal))
            {
                inA[i++] = true;
                inB[j++] = true;
            }
            else if (lengths[i + 1, j] >= lengths[i, j + 1])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
    }
}
