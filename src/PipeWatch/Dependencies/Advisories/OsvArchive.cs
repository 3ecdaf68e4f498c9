using System.IO.Compression;
using System.Text.Json;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>Reads OSV records from a JSON file (one record or an array), a folder of them (recursively), or an OSV <c>all.zip</c> archive.</summary>
/// <remarks>Streams: records are yielded one at a time, so an archive of any size is read in constant memory. Bad files and entries are reported and skipped.</remarks>
public static class OsvArchive
{
    public static IEnumerable<Advisory> Read(string path, IProblemReporter problems)
    {
        if (Directory.Exists(path))
        {
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) continue;
                foreach (var advisory in ReadFile(file, problems)) yield return advisory;
            }

            yield break;
        }

        if (!File.Exists(path))
        {
            problems.Report(new Problem(path, "no such file or folder"));
            yield break;
        }

        foreach (var advisory in ReadFile(path, problems)) yield return advisory;
    }

    private static IEnumerable<Advisory> ReadFile(string path, IProblemReporter problems)
    {
        if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Report(new Problem(path, $"cannot read: {ex.Message}"));
                yield break;
            }

            foreach (var advisory in Parse(path, bytes, problems)) yield return advisory;
            yield break;
        }

        ZipArchive? zip = null;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            problems.Report(new Problem(path, $"not a readable zip archive: {ex.Message}"));
        }

        if (zip is null) yield break;
        using (zip)
        {
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) continue;
                byte[] bytes;
                try
                {
                    using var stream = entry.Open();
                    using var buffer = new MemoryStream((int)Math.Min(entry.Length, int.MaxValue));
                    stream.CopyTo(buffer);
                    bytes = buffer.ToArray();
                }
                catch (InvalidDataException ex)
                {
                    problems.Report(new Problem($"{path}!{entry.FullName}", $"cannot inflate: {ex.Message}"));
                    continue;
                }

                foreach (var advisory in Parse($"{path}!{entry.FullName}", bytes, problems)) yield return advisory;
            }
        }
    }

    private static List<Advisory> Parse(string name, byte[] bytes, IProblemReporter problems)
    {
        var found = new List<Advisory>();
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var records = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
            foreach (var record in records)
            {
                if (OsvRecord.Read(record, out var reason) is { } advisory) found.Add(advisory);
                else problems.Report(new Problem(name, reason!));
            }
        }
        catch (JsonException ex)
        {
            problems.Report(new Problem(name, $"invalid JSON: {ex.Message.Split(" Path:")[0].TrimEnd('.')}", (int?)ex.LineNumber + 1));
        }

        return found;
    }
}
