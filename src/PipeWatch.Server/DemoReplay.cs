using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PipeWatch.Findings;

namespace PipeWatch.Server;

/// <summary><c>serve --demo</c>: posts the committed demo and attack histories (JSON Lines) to the server's own <c>/ingest</c>, as an exporter would, then says where to look.</summary>
public static class DemoReplay
{
    private const int LinesPerPost = 50;

    /// <summary>The <c>samples</c> folder: under the working directory, else above the program's own folder (a checkout); null when neither has it.</summary>
    public static string? FindSamples(string workingDirectory)
    {
        foreach (var start in new[] { workingDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var samples = Path.Combine(dir.FullName, "samples");
                if (Directory.Exists(Path.Combine(samples, "demo")) && Directory.Exists(Path.Combine(samples, "attack"))) return samples;
            }
        }

        return null;
    }

    /// <summary>Posts every line of <c>samples/demo</c> and <c>samples/attack</c> in batches, waits until they are processed, and prints a summary.</summary>
    /// <returns>The payloads acknowledged.</returns>
    public static async Task<int> RunAsync(PipeWatchServer server, string samples, string ingestToken, TextWriter output, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = server.Addresses[0] };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ingestToken);
        var files = new[] { "demo", "attack" }.SelectMany(f => Directory.GetFiles(Path.Combine(samples, f), "*.jsonl").Order(StringComparer.Ordinal)).ToList();
        var started = DateTime.UtcNow;
        var posted = 0;
        foreach (var file in files)
        {
            var lines = await File.ReadAllLinesAsync(file, cancellationToken);
            for (var at = 0; at < lines.Length; at += LinesPerPost)
            {
                var body = Encoding.UTF8.GetBytes(string.Join('\n', lines.Skip(at).Take(LinesPerPost)) + "\n");
                using var request = new HttpRequestMessage(HttpMethod.Post, "/ingest") { Content = new ByteArrayContent(body) };
                request.Headers.Add("Idempotency-Key", $"demo-{Path.GetFileNameWithoutExtension(file)}-{at}");
                using var response = await client.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted) posted++;
            }
        }

        while (server.Backlog > 0) await Task.Delay(50, cancellationToken);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        await output.WriteLineAsync($"pipewatch serve --demo: replayed {files.Count} files of samples/ as {posted} POSTs to /ingest; all processed in {seconds:0.0} s");
        var findings = server.RecentFindings(1000);
        await output.WriteLineAsync($"pipewatch serve --demo: {findings.Count} findings:");
        foreach (var group in findings.GroupBy(f => f.Category).OrderByDescending(g => g.Max(f => f.Severity)).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {group.Count(),4}  {group.Key} (worst: {group.Max(f => f.Severity).ToWire()})");
        }

        var address = server.Addresses[0].ToString().TrimEnd('/');
        await output.WriteLineAsync($"pipewatch serve --demo: look at them in the dashboard, {address}/ (sign in with the API token printed above), or with curl:");
        await output.WriteLineAsync($"  curl -s -H \"Authorization: Bearer $TOKEN\" '{address}/api/findings?severity=high'");
        await output.WriteLineAsync($"  curl -s -H \"Authorization: Bearer $TOKEN\" '{address}/api/incidents'");
        await output.WriteLineAsync($"  curl -s '{address}/metrics'");
        return posted;
    }
}
