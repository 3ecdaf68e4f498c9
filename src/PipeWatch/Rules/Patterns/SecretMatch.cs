namespace PipeWatch.Rules.Patterns;

/// <summary>A secret found in a text: which rule, where (1-based line and column, 0-based index), and the secret itself.</summary>
/// <remarks>Holds the secret whole: callers must redact it with <c>Evidence.Secret</c> before it leaves the scan.</remarks>
public sealed record SecretMatch(string RuleId, int Line, int Column, int Index, int Length, string Secret);
