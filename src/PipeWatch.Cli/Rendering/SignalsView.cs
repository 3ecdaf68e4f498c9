using System.Globalization;
using PipeWatch.Findings;

namespace PipeWatch.Cli.Rendering;

/// <summary>
/// Shows the behavioural signals kept in the store (<c>findings --signals</c>): each with its weight and the baseline it was judged
/// against (its explanation), and the alerts that signals raised with their risk score.
/// </summary>
internal static class SignalsView
{
    /// <summary>True for a recorded signal (evidence <c>signal</c> and <c>weight</c>) or an alert that names signals (evidence <c>risk_score</c>).</summary>
    public static bool IsSignalOrRiskAlert(Finding finding) =>
        finding.Evidence.Any(e => e.Name == "weight") || finding.Evidence.Any(e => e.Name == "risk_score");

    /// <summary>One block per finding, oldest first: a heading line, then the baseline or the signals it names.</summary>
    public static void Render(IReadOnlyList<Finding> findings, TextWriter output)
    {
        foreach (var raw in findings)
        {
            var f = TerminalText.Escape(raw);
            var when = f.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var who = f.Entity.Actor ?? "-";
            var where = f.Entity.Repository ?? "-";
            if (Value(f, "risk_score") is { } risk)
            {
                output.WriteLine($"{when}  ALERT {f.Severity.ToString().ToLowerInvariant()}  risk {risk}  {who}  {where}  {f.Rule}");
                output.WriteLine($"    signals: {Value(f, "signals")}");
                output.WriteLine($"    {f.Title}");
                output.WriteLine($"    {f.Explanation}");
            }
            else
            {
                output.WriteLine($"{when}  signal {Value(f, "signal")}  weight {Value(f, "weight")}  {who}  {where}  {f.Rule}");
                output.WriteLine($"    baseline: {f.Explanation}");
            }
        }

        output.Flush();
    }

    private static string? Value(Finding f, string name) => f.Evidence.FirstOrDefault(e => e.Name == name)?.Value;
}
