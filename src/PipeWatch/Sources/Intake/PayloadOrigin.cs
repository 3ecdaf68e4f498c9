namespace PipeWatch.Sources.Intake;

/// <summary>Where a payload came from: a file, or a webhook delivery. Its <see cref="Name"/> is the events' <see cref="Events.Origin.File"/> and the problems' file.</summary>
internal sealed class PayloadOrigin
{
    private PayloadOrigin(string name, string? platform, string? deliveryId)
    {
        Name = name;
        Platform = platform;
        DeliveryId = deliveryId;
    }

    /// <summary>The file path, or <c>webhook:&lt;platform&gt;/&lt;delivery id&gt;</c>.</summary>
    public string Name { get; }

    /// <summary>The platform that sent a webhook (<c>github</c>, <c>gitlab</c>…); null for a file.</summary>
    public string? Platform { get; }

    /// <summary>The webhook's delivery id (<c>X-GitHub-Delivery</c>, <c>X-Gitlab-Event-UUID</c>); null for a file.</summary>
    public string? DeliveryId { get; }

    /// <summary>A payload read from the file at <paramref name="path"/>.</summary>
    public static PayloadOrigin File(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new PayloadOrigin(path, null, null);
    }

    /// <summary>A webhook body: <paramref name="platform"/> as <c>github</c>, and the delivery id the platform sent with it.</summary>
    /// <remarks>
    /// The delivery id names the origin only: event ids come from the payload itself, so a redelivery of the same body (which
    /// keeps its delivery id) gives the same event ids, and the ingest ledger skips them.
    /// </remarks>
    /// <exception cref="ArgumentException">The platform is not lower-case letters, digits and '-', or the delivery id is empty, longer than 128 characters, or holds characters other than letters, digits and <c>-._:</c>.</exception>
    public static PayloadOrigin Webhook(string platform, string deliveryId)
    {
        if (!IsValid(platform, 32, static c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ArgumentException("a platform is lower-case letters, digits and '-'", nameof(platform));
        }

        if (!IsValidDeliveryId(deliveryId))
        {
            throw new ArgumentException("a delivery id is 1 to 128 letters, digits and '-._:'", nameof(deliveryId));
        }

        return new PayloadOrigin($"webhook:{platform}/{deliveryId}", platform, deliveryId);
    }

    /// <summary>True when <paramref name="deliveryId"/> can name a webhook origin (see <see cref="Webhook"/>): check a header with it before reading.</summary>
    public static bool IsValidDeliveryId(string? deliveryId) =>
        IsValid(deliveryId, 128, static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':');

    /// <inheritdoc />
    public override string ToString() => Name;

    private static bool IsValid(string? value, int maxLength, Func<char, bool> allowed) =>
        value is { Length: > 0 } && value.Length <= maxLength && value.All(allowed);
}
