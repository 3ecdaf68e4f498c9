namespace PipeWatch.Server.Queue;

/// <summary>The <c>--queue</c> location: <c>nats://host:port</c> (one or more servers, comma-separated), checked before anything connects.</summary>
internal sealed record QueueAddress
{
    private QueueAddress(string url) => Url = url;

    /// <summary>The NATS URL(s), as the client takes them.</summary>
    public string Url { get; }

    /// <summary>Parses <paramref name="text"/>; false with the reason when it is not a NATS URL.</summary>
    public static bool TryParse(string? text, out QueueAddress? address, out string? problem)
    {
        address = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "the queue location is empty (give nats://host:port)";
            return false;
        }

        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0)
            {
                problem = $"'{Shown(part)}' is not a NATS URL (give nats://host:port)";
                return false;
            }

            if (uri.UserInfo.Length > 0)
            {
                // A password on the command line shows in the process list.
                problem = "the queue URL carries credentials; give them in NATS_CREDS or a credentials file instead";
                return false;
            }
        }

        address = new QueueAddress(text.Trim());
        return true;
    }

    public override string ToString() => Url;

    private static string Shown(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
