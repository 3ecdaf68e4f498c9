namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>An action pinned to a commit SHA with a version comment (<c>uses: owner/repo@SHA # v1.2.3</c>), with the keys <see cref="ActionPins"/> files it under.</summary>
internal sealed class ActionPin(string action, string sha, string tag)
{
    public string Action { get; } = action;

    public string Sha { get; } = sha;

    public string Tag { get; } = tag;

    /// <summary>The key of the SHA pinned at this tag (<see cref="ActionPins.ShaOf(ActionPin)"/>): made once, however many versions of a history repeat the pin.</summary>
    public string TagKey { get; } = ActionPins.TagKey(action, tag);

    /// <summary>The key of the tag this SHA was labelled with (<see cref="ActionPins.TagOf(ActionPin)"/>).</summary>
    public string ShaKey { get; } = ActionPins.ShaKey(action, sha);
}
