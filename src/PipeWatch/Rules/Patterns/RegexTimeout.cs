namespace PipeWatch.Rules.Patterns;

/// <summary>A rule whose regex did not finish within its time limit near <see cref="Line"/>: a match there may have been missed.</summary>
internal readonly record struct RegexTimeout(string RuleId, int Line);
