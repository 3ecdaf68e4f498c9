using System.CommandLine;

namespace PipeWatch.Cli.Commands;

/// <summary>Severity-valued options that take any case (<c>--severity HIGH</c> is <c>high</c>).</summary>
internal static class SeverityOptions
{
    /// <summary>Accepts only <paramref name="values"/>, ignoring case; readers parse with <see cref="CommonOptions.ParseSeverity"/>, which ignores case too.</summary>
    public static Option<T> AcceptOnlyFromAmongIgnoringCase<T>(this Option<T> option, params string[] values)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !values.Contains(t.Value, StringComparer.OrdinalIgnoreCase)))
            {
                result.AddError($"{option.Name}: '{token.Value}' is not one of {string.Join(", ", values)}");
            }
        });
        option.CompletionSources.Add(values);
        return option;
    }
}
