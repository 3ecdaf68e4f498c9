namespace PipeWatch.Alerting;

/// <summary>One allowlist entry: every field given must match (globs with <c>*</c> and <c>?</c>, case-insensitive).</summary>
/// <param name="Reason">Why it is allowed; required, so the list documents itself.</param>
/// <param name="Path">A glob of the finding's file (<c>**</c> crosses folders, <c>*</c> and <c>?</c> do not; a trailing <c>/</c> is the whole folder).</param>
public sealed record AllowEntry(
    string Reason,
    string? Rule = null,
    string? Category = null,
    string? Repository = null,
    string? Pipeline = null,
    string? Job = null,
    string? Step = null,
    string? Actor = null,
    string? Path = null);
