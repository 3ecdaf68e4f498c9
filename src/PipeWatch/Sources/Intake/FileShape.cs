namespace PipeWatch.Sources.Intake;

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

        /// <summary>The first line does not end within the bytes given; read more.</summary>
        NeedMore,
    }

    /// <summary>The UTF-8 byte order mark some editors write first.</summary>
    public static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <param name="head">The first bytes of the file.</param>
    /// <param name="complete">True when <paramref name="head"/> is the whole file.</param>
    public static Kind Sniff(ReadOnlySpan<byte> head, bool complete = true)
    {
        if (head.StartsWith(ByteOrderMark)) head = head[ByteOrderMark.Length..];
        if (head.Contains((byte)0)) return Kind.Binary;
        var text = head.TrimStart(" \t\r\n"u8);
        if (text.IsEmpty) return complete ? Kind.Empty : Kind.NeedMore;
        if (text[0] is not ((byte)'{' or (byte)'[')) return Kind.NotJson;

        // JSON Lines when the first line is, on its own, one complete JSON value and something follows it.
        var newline = text.IndexOf((byte)'\n');
        if (newline < 0) return complete ? Kind.Document : Kind.NeedMore;
        var firstLine = text[..newline];
        var rest = text[(newline + 1)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty) return complete ? Kind.Document : Kind.NeedMore;
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
