namespace PipeWatch.Sources.Runner.Collectors;

/// <summary>Fields a collector record may fill, in the agent's names (see <see cref="AgentFields"/>).</summary>
internal sealed class CollectorFields : Dictionary<string, string>
{
    public CollectorFields()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Sets <paramref name="name"/> when <paramref name="value"/> is not empty (cut at <see cref="Events.FieldLimit.MaxChars"/>).</summary>
    public CollectorFields With(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value) && Count < 128) this[name] = Events.FieldLimit.Clip(value)!;
        return this;
    }

    public CollectorFields With(string name, long? value) => With(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
