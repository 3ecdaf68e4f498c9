using PipeWatch.Yaml;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>
/// The model of a GitHub Actions definition derived from its previous version's model when the change only replaced one-line
/// values (what a dependency bot's bump does: a step's <c>uses:</c> pin, an image tag, a version in <c>env:</c>), without
/// parsing the YAML again.
/// </summary>
/// <remarks>
/// It derives only what a whole parse is certain to give: both versions have the same number of lines, and every changed line is
/// <c>[- ]KEY: VALUE [# comment]</c> in both, with the same lead and key; VALUE is a plain scalar of <c>[A-Za-z0-9_./@+-]</c>
/// with inner colons (no quote, escape, anchor, alias, flow or comment character, so YAML reads it as exactly that text and the
/// lines around it keep their meaning); and that line holds exactly one value of the old model, equal to the old VALUE, kept as it
/// was read: a step's <c>uses</c> (and its label when it has no name or id), <c>with</c> or <c>env</c> entry, a job's image,
/// <c>env</c>, permission or reusable workflow, the workflow's <c>env</c> or permission. A value read into something else (a
/// trigger, a runner label, a matrix, a script's label) or held twice (through an alias) is parsed. Anything else returns null,
/// and the caller parses the text. Steps and jobs holding no replaced value are kept as the same objects, and what was replaced
/// is returned as a <see cref="ValueEdit"/>.
/// </remarks>
internal static class ValueChange
{
    /// <summary>The next version's model, or null when the change is not one this can derive.</summary>
    /// <param name="before">The previous version's model.</param>
    /// <param name="labelledByUses">The steps of <paramref name="before"/> whose label is the action they use (no name, no id).</param>
    /// <param name="lines">The new version's lines (as <see cref="CiDefinitionParser.Lines"/> splits them).</param>
    /// <param name="newLabelledByUses">Receives the steps of the result whose label is the action they use.</param>
    public static CiDefinition? Apply(CiDefinition before, IReadOnlySet<CiStep> labelledByUses, IReadOnlyList<string> lines, ICollection<CiStep> newLabelledByUses) =>
        Apply(before, labelledByUses, lines, newLabelledByUses, out _);

    /// <summary>As <see cref="Apply(CiDefinition, IReadOnlySet{CiStep}, IReadOnlyList{string}, ICollection{CiStep})"/>, also saying what it replaced.</summary>
    /// <param name="edit">The lines and values replaced, when the result is not null: what the checks need to tell whether they can see the change.</param>
    public static CiDefinition? Apply(CiDefinition before, IReadOnlySet<CiStep> labelledByUses, IReadOnlyList<string> lines, ICollection<CiStep> newLabelledByUses, out ValueEdit? edit)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(labelledByUses);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(newLabelledByUses);
        edit = null;
        if (before.Platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction) || lines.Count != before.Lines.Count) return null;
        var differing = new List<int>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!string.Equals(before.Lines[i], lines[i], StringComparison.Ordinal)) differing.Add(i);
        }

        return Apply(before, labelledByUses, ValueLines.Of(before), lines, differing, newLabelledByUses, out edit);
    }

    /// <summary>
    /// As <see cref="Apply(CiDefinition, IReadOnlySet{CiStep}, IReadOnlyList{string}, ICollection{CiStep}, out ValueEdit?)"/> of the
    /// new version's <paramref name="text"/>, at the cost of the change: the text is split only when it has as many lines as the
    /// previous version, an unchanged line is the previous version's string (<see cref="CiDefinitionParser.LinesLike"/>), and only
    /// the lines that differ are read.
    /// </summary>
    /// <param name="valueLines">How many values of <paramref name="before"/> each line holds (<see cref="ValueLines.Of"/>, kept with the model it was counted on: the same for every version derived from it).</param>
    public static CiDefinition? Apply(CiDefinition before, IReadOnlySet<CiStep> labelledByUses, ValueLines valueLines, string text, ICollection<CiStep> newLabelledByUses, out ValueEdit? edit)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(text);
        edit = null;
        if (before.Platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) return null;
        var differing = new List<int>();
        return CiDefinitionParser.LinesLike(text, before.Lines, differing) is { } lines
            ? Apply(before, labelledByUses, valueLines, lines, differing, newLabelledByUses, out edit)
            : null;
    }

    // The derivation, given the new lines (as many as before's) and the 0-based indexes of those that differ.
    private static CiDefinition? Apply(
        CiDefinition before, IReadOnlySet<CiStep> labelledByUses, ValueLines valueLines, IReadOnlyList<string> lines, List<int> differing, ICollection<CiStep> newLabelledByUses, out ValueEdit? edit)
    {
        edit = null;
        if (ChangedValues(before.Lines, lines, differing) is not { Count: > 0 } changed || !EachChangedLineHoldsOneValue(before, changed, valueLines)) return null;

        var replace = new Edit(changed);
        var jobs = new List<CiJob>(before.Jobs.Count);
        foreach (var job in before.Jobs)
        {
            var steps = new List<CiStep>(job.Steps.Count);
            foreach (var step in job.Steps)
            {
                replace.Step = step;
                var uses = replace.Of(step.Uses, EditedPart.StepUses);
                var label = labelledByUses.Contains(step) ? uses!.Value : step.Label;
                if (!string.Equals(label, step.Label, StringComparison.Ordinal)) replace.Record(EditedPart.StepLabel, null, step.Label, label);
                var with = replace.Of(step.With, EditedPart.StepWith);
                var env = replace.Of(step.Env, EditedPart.StepEnv);
                // A step the change did not reach stays the same object: the checks (and the next derivation) see it unchanged.
                var next = ReferenceEquals(uses, step.Uses) && ReferenceEquals(with, step.With) && ReferenceEquals(env, step.Env)
                    ? step
                    : step with { Uses = uses, Label = label, With = with, Env = env };
                if (labelledByUses.Contains(step)) newLabelledByUses.Add(next);
                steps.Add(next);
            }

            replace.Step = null;
            var images = job.Images.Any(i => changed.ContainsKey(i.Line)) ? [.. job.Images.Select(i => replace.Of(i, EditedPart.JobImage)!)] : job.Images;
            var jobEnv = replace.Of(job.Env, EditedPart.JobEnv);
            var permissions = replace.Of(job.Permissions, EditedPart.JobPermission);
            var jobUses = replace.Of(job.Uses, EditedPart.JobUses);
            var same = ReferenceEquals(images, job.Images) && ReferenceEquals(jobEnv, job.Env) && ReferenceEquals(permissions, job.Permissions)
                && ReferenceEquals(jobUses, job.Uses) && SameSteps(steps, job.Steps);
            jobs.Add(same ? job : job with { Images = images, Env = jobEnv, Permissions = permissions, Uses = jobUses, Steps = steps });
        }

        var derived = before with
        {
            Permissions = replace.Of(before.Permissions, EditedPart.WorkflowPermission), Env = replace.Of(before.Env, EditedPart.WorkflowEnv), Jobs = jobs, Lines = lines,
        };

        // Each changed line's one value must have been one this replaces (not, say, a matrix value).
        if (replace.Applied != changed.Count) return null;
        var numbers = changed.Keys.ToArray();
        Array.Sort(numbers);
        edit = new ValueEdit([.. numbers.Select(n => new EditedLine(n, before.Lines[n - 1], lines[n - 1]))], replace.Values);
        return derived;
    }

    private static bool SameSteps(List<CiStep> steps, IReadOnlyList<CiStep> before)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (!ReferenceEquals(steps[i], before[i])) return false;
        }

        return true;
    }

    // Old and new value by 1-based line for every line that differs; null when a changed line is not `KEY: VALUE` in both
    // versions with the same lead and key.
    private static Dictionary<int, (string Old, string New)>? ChangedValues(IReadOnlyList<string> before, IReadOnlyList<string> after, List<int> differing)
    {
        var changed = new Dictionary<int, (string Old, string New)>();
        foreach (var i in differing)
        {
            var old = PlainValueLine.Pattern().Match(before[i]);
            var now = PlainValueLine.Pattern().Match(after[i]);
            if (!old.Success || !now.Success || old.Groups["lead"].Value != now.Groups["lead"].Value) return null;
            changed[i + 1] = (old.Groups["value"].Value, now.Groups["value"].Value);
        }

        return changed;
    }

    // True when each changed line holds exactly one value of the model, and no matrix exclusion (kept without a line) has an old
    // value's text, which only an alias could give it.
    private static bool EachChangedLineHoldsOneValue(CiDefinition before, Dictionary<int, (string Old, string New)> changed, ValueLines valueLines)
    {
        foreach (var line in changed.Keys)
        {
            if (valueLines.Count(line) != 1) return false;
        }

        if (!AnyExclusion(before)) return true;
        var olds = changed.Values.Select(c => c.Old).ToHashSet(StringComparer.Ordinal);
        return !before.Jobs.Any(j => j.Excluded.Values.Any(values => values.Any(olds.Contains)));
    }

    private static bool AnyExclusion(CiDefinition definition)
    {
        foreach (var job in definition.Jobs)
        {
            if (job.Excluded.Count > 0) return true;
        }

        return false;
    }

    // Every value of the model that carries a line, whether or not Edit replaces it.
    internal static IEnumerable<CiText> Values(CiDefinition definition)
    {
        foreach (var text in definition.Triggers) yield return text;
        foreach (var text in Of(definition.Permissions)) yield return text;
        foreach (var text in definition.Env.Values) yield return text;
        foreach (var job in definition.Jobs)
        {
            foreach (var text in job.RunsOn) yield return text;
            foreach (var values in job.Matrix.Values)
            {
                foreach (var text in values) yield return text;
            }

            foreach (var text in job.Images) yield return text;
            foreach (var text in job.Env.Values) yield return text;
            foreach (var text in Of(job.Permissions)) yield return text;
            if (job.Uses is { } uses) yield return uses;
            if (job.SecretsInherit is { } inherit) yield return inherit;
            foreach (var step in job.Steps)
            {
                if (step.Uses is { } stepUses) yield return stepUses;
                if (step.Run is { } run) yield return run;
                foreach (var text in step.With.Values) yield return text;
                foreach (var text in step.Env.Values) yield return text;
            }
        }

        static IEnumerable<CiText> Of(CiPermissions? permissions)
        {
            if (permissions?.Whole is { } whole) yield return whole;
            foreach (var scope in permissions?.Scopes ?? []) yield return scope.Value;
        }
    }


    // Replaces the values on changed lines, counting and recording them; a value whose text is not the old one is left as is and
    // not counted, so the derivation fails.
    private sealed class Edit(Dictionary<int, (string Old, string New)> changed)
    {
        private readonly List<EditedValue> _values = [];

        public int Applied { get; private set; }

        public IReadOnlyList<EditedValue> Values => _values;

        /// <summary>The step whose values are being replaced, null for a job's or the workflow's.</summary>
        public CiStep? Step { get; set; }

        public void Record(EditedPart part, string? name, string old, string now) => _values.Add(new EditedValue(part, name, old, now, Step));

        public CiText? Of(CiText? text, EditedPart part, string? name = null)
        {
            if (text is null || !changed.TryGetValue(text.Line, out var change) || text.Block || text.Value != change.Old) return text;
            Applied++;
            Record(part, name, change.Old, change.New);
            return text with { Value = change.New };
        }

        public IReadOnlyDictionary<string, CiText> Of(IReadOnlyDictionary<string, CiText> map, EditedPart part)
        {
            if (!AnyChanged(map)) return map;
            return map.ToDictionary(p => p.Key, p => Of(p.Value, part, p.Key)!, StringComparer.Ordinal);
        }

        // A loop: this runs for every step of every derived version, most of which the change did not reach.
        private bool AnyChanged(IReadOnlyDictionary<string, CiText> map)
        {
            foreach (var value in map.Values)
            {
                if (changed.ContainsKey(value.Line)) return true;
            }

            return false;
        }

        public CiPermissions? Of(CiPermissions? permissions, EditedPart part)
        {
            if (permissions is null || (!changed.ContainsKey(permissions.Whole?.Line ?? 0) && !permissions.Scopes.Any(s => changed.ContainsKey(s.Value.Line)))) return permissions;
            return permissions with { Whole = Of(permissions.Whole, part), Scopes = [.. permissions.Scopes.Select(s => KeyValuePair.Create(s.Key, Of(s.Value, part, s.Key)!))] };
        }
    }
}
