using System.Buffers;
using PipeWatch.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// One version of a GitHub workflow or action as its dependency list is made: the places dependencies are read from (each
/// <c>uses:</c> and image value, in list order), and the lines whose value can change without changing the file's shape, so that
/// the next version's list is made from this one and the change's lines when the change only replaced one-line values (what a
/// dependency bot's bump does: a pin, its <c># v1.2.3</c> comment, an image tag, a version in <c>env:</c>).
/// </summary>
/// <remarks>
/// <para>
/// Immutable; the versions made from one share its line shape. <see cref="Follow"/> derives only what a whole parse is certain to
/// give (the rules of the CI definitions' ValueChange): the new text has as many lines as the old, every hunk replaces as many
/// lines as it removes, and each line it replaces held a block-mapping key and its plain, untagged one-line value in the parsed
/// version and is now <c>[- ]KEY: VALUE [# comment]</c> with the same lead and key, VALUE a plain scalar of
/// <c>[A-Za-z0-9_./@+-]</c> with inner colons (no quote, anchor, alias, flow, tag or comment character). The YAML structure and
/// every line number are then the same, so only the dependencies read from a changed line's value can differ, and they are read
/// again from the new line with the parser's own functions; a value that named none (a local action, a variable image) may name
/// one now, and the reverse.
/// </para>
/// <para>
/// Not followed: a file with an anchor (through which one line could feed several places), with a line break other than
/// <c>\n</c> (where YAML's line numbers and the diff's would part), or past <see cref="MaxCharacters"/>. The work is the change's
/// lines: the text is searched for line ends (a vectorized search, not a parse), and the list is rebuilt only when a dependency
/// changed. What a version keeps for the next is its slots and the leads of its value lines (shared by the versions made from
/// it), not its text.
/// </para>
/// </remarks>
internal sealed class WorkflowSlots
{
    /// <summary>A larger file is parsed whole every time (ten times the largest workflow of the benchmark's repositories): what a version keeps stays small.</summary>
    public const int MaxCharacters = 128 * 1024;

    // Line breaks YAML knows besides \n: where one occurs, YAML's line numbers are not the diff's.
    private static readonly SearchValues<char> OtherLineBreaks = SearchValues.Create("\r\u0085\u2028\u2029");

    // By 1-based line: for a line that held a block-mapping key and its plain one-line value, the text before the value (the
    // lines a value change may touch, and what must stay the same on them); null for any other line. Shared by made versions.
    private readonly string?[] _leads;
    private readonly int _characters;
    private readonly WorkflowSlot[] _slots;

    private WorkflowSlots(string?[] leads, int characters, WorkflowSlot[] slots, IReadOnlyList<Dependency> dependencies)
    {
        _leads = leads;
        _characters = characters;
        _slots = slots;
        Dependencies = dependencies;
    }

    /// <summary>The version's dependencies, as the parser lists them.</summary>
    public IReadOnlyList<Dependency> Dependencies { get; }

    // The lines of the text (split at \n, as the parser splits them).
    private int LineCount => _leads.Length - 1;

    /// <summary>
    /// The slots of a parsed version, or null when it must not be followed (an anchor, another line break than <c>\n</c>, too large).
    /// </summary>
    /// <param name="root">The parsed document.</param>
    /// <param name="text">Its text.</param>
    /// <param name="lines">Its lines, split at <c>\n</c>.</param>
    /// <param name="slots">Every place a dependency is read from, in list order, with the scalar it is read from.</param>
    public static WorkflowSlots? Of(YamlMappingNode root, string text, string[] lines, IReadOnlyList<(WorkflowSlot Slot, YamlScalarNode Node)> slots)
    {
        if (text.Length > MaxCharacters || text.AsSpan().ContainsAny(OtherLineBreaks)) return null;
        var valueOn = new YamlScalarNode?[lines.Length + 1];
        if (!MarkValueLines(root, valueOn)) return null;

        // A slot is read from the value its line holds, or from a scalar its line does not end (then a change there is not followed).
        foreach (var (slot, node) in slots)
        {
            if (slot.ValueLine is < 1 || slot.ValueLine > lines.Length) return null;
            if (!ReferenceEquals(valueOn[slot.ValueLine], node)) valueOn[slot.ValueLine] = null;
        }

        var leads = new string?[lines.Length + 1];
        for (var line = 1; line <= lines.Length; line++)
        {
            // The value's column must point at the value on its line (else the line is not followed).
            if (valueOn[line] is not { } value || value.Start.Column is < 1 || value.Start.Column - 1 > lines[line - 1].Length) continue;
            var column = (int)value.Start.Column - 1;
            if (lines[line - 1].AsSpan(column).StartsWith(value.Value, StringComparison.Ordinal)) leads[line] = lines[line - 1][..column];
        }

        var made = slots.Select(s => s.Slot).ToArray();
        return new WorkflowSlots(leads, text.Length, made, [.. made.Select(s => s.Dependency).OfType<Dependency>()]);
    }

    /// <summary>This version as a layout for <see cref="ILockfileParser.Follow"/>: one segment, the whole text, holding this.</summary>
    public LockfileLayout Layout() => new([new LockfileSegment(LineCount, _characters, 0, this)]);

    /// <summary>
    /// The version <paramref name="text"/>, made from this one and the change's <c>-U0</c> line edits; null when the change is not
    /// one that only replaced one-line values (then the caller parses the text).
    /// </summary>
    public WorkflowSlots? Follow(string text, IReadOnlyList<LineEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(edits);
        if (text.Length > MaxCharacters || ChangedValues(text, edits) is not { } changed) return null;

        WorkflowSlot[]? slots = null;
        for (var i = 0; i < _slots.Length; i++)
        {
            if (!changed.TryGetValue(_slots[i].ValueLine, out var change)) continue;
            slots ??= (WorkflowSlot[])_slots.Clone();
            slots[i] = _slots[i].Read(change.Value, change.Line);
        }

        // A change of values no dependency is read from (an env version, a runner label) keeps the list as it was.
        return slots is null
            ? new WorkflowSlots(_leads, text.Length, _slots, Dependencies)
            : new WorkflowSlots(_leads, text.Length, slots, [.. slots.Select(s => s.Dependency).OfType<Dependency>()]);
    }

    // The new value and line text by 1-based line for every line the edits replace; null when an edit is not a same-count
    // replacement within the text, a replaced line is not a value change this follows, or the text has not as many lines.
    private Dictionary<int, (string Value, string Line)>? ChangedValues(string text, IReadOnlyList<LineEdit> edits)
    {
        var changed = new Dictionary<int, (string, string)>();
        var line = 1;
        var position = 0;
        var nextOld = 1L;
        foreach (var edit in edits)
        {
            // Hostile numbers (a hunk header is text from the log) must not overflow into a fit: checked in long.
            if (edit.OldCount != edit.NewCount || edit.OldStart != edit.NewStart || edit.OldCount < 1 || edit.OldStart < nextOld
                || (long)edit.OldStart + edit.OldCount - 1 > LineCount) return null;
            nextOld = (long)edit.OldStart + edit.OldCount;
            for (; line < edit.NewStart; line++)
            {
                var end = position > text.Length ? -1 : text.IndexOf('\n', position);
                if (end < 0) return null;
                position = end + 1;
            }

            for (var i = 0; i < edit.NewCount; i++, line++)
            {
                if (position > text.Length) return null;
                var end = LineEnd(text, position);
                var now = text[position..end];
                if (_leads[line] is not { } lead || Value(now, out var newLead) is not { } value || !string.Equals(lead, newLead, StringComparison.Ordinal)) return null;
                changed[line] = (value, now);
                position = end + 1;
            }
        }

        // As many lines as the old text: the lines after the edits are where they were (line - 1 lines are behind `position`).
        var lines = position > text.Length ? line - 1 : line + text.AsSpan(position).Count('\n');
        return lines == LineCount ? changed : null;
    }

    private static int LineEnd(string text, int from)
    {
        var end = text.IndexOf('\n', from);
        return end < 0 ? text.Length : end;
    }

    // The value of a `[- ]KEY: VALUE [# comment]` line and its lead (up to the value), or null for any other line.
    private static string? Value(string line, out string lead)
    {
        var match = PlainValueLine.Pattern().Match(line);
        lead = match.Success ? match.Groups["lead"].Value : "";
        return match.Success ? match.Groups["value"].Value : null;
    }

    // Marks each line that holds a block-mapping key and its plain, untagged one-line value (by the value); false when the tree
    // has an anchor (an alias reads the anchored node from a second place).
    private static bool MarkValueLines(YamlNode node, YamlScalarNode?[] valueOn)
    {
        if (!node.Anchor.IsEmpty) return false;
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    if (!MarkValueLines(key, valueOn) || !MarkValueLines(value, valueOn)) return false;
                    if (mapping.Style == YamlDotNet.Core.Events.MappingStyle.Block && IsPlain(key) && IsPlain(value)
                        && key.Start.Line == value.Start.Line && value.End.Line == value.Start.Line && value.Start.Line < valueOn.Length)
                    {
                        valueOn[value.Start.Line] = (YamlScalarNode)value;
                    }
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    if (!MarkValueLines(item, valueOn)) return false;
                }

                break;
        }

        return true;

        static bool IsPlain(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && scalar.Tag.IsEmpty;
    }

}

/// <summary>What a dependency is read from: a <c>uses:</c> value (an action, a reusable workflow, a <c>docker://</c> image) or an image value.</summary>
internal enum WorkflowSlotKind
{
    Uses,
    Image,
}

/// <summary>One place a workflow's dependency is read from: the line of its value, the line the dependency is reported at, and what it names now (or null).</summary>
internal readonly record struct WorkflowSlot(WorkflowSlotKind Kind, int ValueLine, int DependencyLine, Dependency? Dependency)
{
    /// <summary>This slot with a new one-line value, read as the whole parse reads it.</summary>
    public WorkflowSlot Read(string value, string lineText) => this with
    {
        Dependency = Kind == WorkflowSlotKind.Uses ? GitHubWorkflowParser.Action(value, ValueLine, lineText) : ContainerImages.From(value, DependencyLine),
    };
}
