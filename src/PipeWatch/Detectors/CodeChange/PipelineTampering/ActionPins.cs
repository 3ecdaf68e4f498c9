using PipeWatch.Baselines;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>The commit SHA each action's version tag was pinned to, and the tag each pinned SHA was labelled with, as seen in one repository's history.</summary>
internal sealed class ActionPins : IBaseline<ActionPins>
{
    /// <summary>Pins kept; past it the table starts again (a rare repository pins this many).</summary>
    public const int Capacity = 4096;

    private readonly Dictionary<string, string> _shaByTag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tagBySha = new(StringComparer.Ordinal);

    /// <summary>Repository: keyed by repository.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    public static ActionPins Create() => new();

    public static string Key(string repository) => "pins|" + repository;

    /// <summary>The key under which the SHA of <paramref name="action"/> at <paramref name="tag"/> is kept.</summary>
    public static string TagKey(string action, string tag) => action + "#" + tag;

    /// <summary>The key under which the tag of <paramref name="action"/> pinned at <paramref name="sha"/> is kept.</summary>
    public static string ShaKey(string action, string sha) => action + "@" + sha;

    /// <summary>The SHA first seen for <paramref name="action"/> at <paramref name="tag"/>, or null.</summary>
    public string? ShaOf(string action, string tag) => _shaByTag.GetValueOrDefault(TagKey(action, tag));

    /// <summary>The SHA first seen for the pin's action at its tag, or null.</summary>
    public string? ShaOf(ActionPin pin) => _shaByTag.GetValueOrDefault(pin.TagKey);

    /// <summary>The tag first seen on <paramref name="action"/> pinned at <paramref name="sha"/>, or null.</summary>
    public string? TagOf(string action, string sha) => _tagBySha.GetValueOrDefault(ShaKey(action, sha));

    /// <summary>The tag first seen on the pin's action at its SHA, or null.</summary>
    public string? TagOf(ActionPin pin) => _tagBySha.GetValueOrDefault(pin.ShaKey);

    /// <summary>Records a pin; the first pairing seen is kept, so a later conflicting one stays visible.</summary>
    public void Learn(string action, string sha, string tag) => Learn(new ActionPin(action, sha, tag));

    /// <summary>Records a pin, under the keys it holds; the first pairing seen is kept.</summary>
    public void Learn(ActionPin pin)
    {
        if (_shaByTag.Count >= Capacity) _shaByTag.Clear();
        if (_tagBySha.Count >= Capacity) _tagBySha.Clear();
        _shaByTag.TryAdd(pin.TagKey, pin.Sha);
        _tagBySha.TryAdd(pin.ShaKey, pin.Tag);
    }

    public void Write(BinaryWriter writer)
    {
        foreach (var map in new[] { _shaByTag, _tagBySha })
        {
            writer.Write(map.Count);
            foreach (var (key, value) in map)
            {
                writer.Write(key);
                writer.Write(value);
            }
        }
    }

    public static ActionPins Read(BinaryReader reader)
    {
        var pins = new ActionPins();
        foreach (var map in new[] { pins._shaByTag, pins._tagBySha })
        {
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++) map[reader.ReadString()] = reader.ReadString();
        }

        return pins;
    }
}
