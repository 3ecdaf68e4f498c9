namespace PipeWatch.Sources.Files;

/// <summary>Tells from a file's first bytes whether it is empty, binary, one JSON document or JSON Lines.</summary>
internal static class FileShape
{
    internal enum Kind
    {
        Empty,
        Binary,
        NotJson,
        Document,
        JsonLines,
    }

    public static Kind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\xEF\xBB\xBF"u8)) head = head[3..];
        if (head.Contains((byte)0)) return Kind.Binary;
        var text = head.TrimStart(" \t\r\n"u8);
        if (text.IsEmpty) return Kind.Empty;
        if (text[0] is not ((byte)'{' or (byte)'[')) return Kind.NotJson;

        // JSON Lines when the first line is, on its own, one complete JSON value and something follows it.
        var newline = text.IndexOf((byte)'\n');
        if (newline < 0) return Kind.Document;
        var firstLine = text[..newline];
        var rest = text[(newline + 1)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty) return Kind.Document;
        var reader = new System.Text.Json.Utf8JsonReader(firstLine, isFinalBlock: true, state: default);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read() ? Kind.JsonLines : Kind.Document;
        }
        catch (System.Text.Json.JsonException)
        {
            return Kind.Document;
        }
    }
}
