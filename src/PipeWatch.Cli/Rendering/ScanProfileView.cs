using System.Globalization;
using PipeWatch.Engine;

namespace PipeWatch.Cli.Rendering;

/// <summary>The table <c>scan --profile</c> prints: CPU seconds by part of the scan, largest first, with their share of the whole.</summary>
internal static class ScanProfileView
{
    public static async Task WriteAsync(TextWriter output, ScanProfile profile, ScanSummary summary)
    {
        var parts = profile.Parts();
        var total = profile.ProcessCpu;
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"profile: {summary.Commits + summary.LearnedCommits:N0} commits, {summary.Elapsed.TotalSeconds:N2} s wall, {total.TotalSeconds:N2} CPU-s (this process and git)");
        text.AppendLine("   CPU s  share      calls  part");
        foreach (var part in parts.OrderByDescending(p => p.Cpu))
        {
            var share = total > TimeSpan.Zero ? part.Cpu / total : 0;
            text.AppendLine(CultureInfo.InvariantCulture, $"{part.Cpu.TotalSeconds,8:N3} {share,6:P0} {part.Calls,10:N0}  {part.Name}");
        }

        await output.WriteAsync(text.ToString());
    }
}
