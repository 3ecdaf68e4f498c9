using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using PipeWatch.Server.Intake;

namespace PipeWatch.Server.Queue;

/// <summary>
/// The JetStream stream behind <c>serve --queue</c> and the workers: its name, its subjects (one per partition), the partition of a
/// repository, and how an intake item travels as a message (the body as it was received, the rest in headers).
/// </summary>
/// <remarks>
/// A repository's partition is XxHash3 (64-bit, seed 0) of its lower-cased name in UTF-8, modulo the partition count: stable across
/// processes, machines and releases (never <see cref="string.GetHashCode()"/>, which is randomised per process). Changing the count
/// moves repositories between partitions; drain the stream first.
/// </remarks>
internal static class IntakeStream
{
    public const string Name = "PIPEWATCH_INTAKE";
    public const string SubjectPrefix = "pipewatch.intake.";
    public const string LeaseBucket = "pipewatch-leases";

    /// <summary>How long JetStream remembers a delivery id (<c>Nats-Msg-Id</c>) to drop a second copy.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(10);

    private const string KindHeader = "PipeWatch-Kind";
    private const string PlatformHeader = "PipeWatch-Platform";
    private const string DeliveryHeader = "PipeWatch-Delivery";
    private const string HintHeader = "PipeWatch-Hint";
    private const string OriginHeader = "PipeWatch-Origin";
    private const string ReceivedHeader = "PipeWatch-Received";

    public static string Subject(int partition) => SubjectPrefix + partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>The durable consumer of a partition (one per partition, shared by every worker; a lease says who reads it).</summary>
    public static string Consumer(int partition) => "partition-" + partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>The partition of a repository (the empty name, for payloads without one, has one too).</summary>
    public static int Partition(string repository, int partitions)
    {
        var bytes = Encoding.UTF8.GetBytes(repository.ToLowerInvariant());
        return (int)(XxHash3.HashToUInt64(bytes) % (ulong)partitions);
    }

    /// <summary>Creates the stream, or updates it to take every partition's subject: file storage, work-queue retention (a message goes once acknowledged).</summary>
    public static Task EnsureAsync(INatsJSContext js, CancellationToken cancellationToken) =>
        js.CreateOrUpdateStreamAsync(
            new StreamConfig(Name, [SubjectPrefix + "*"])
            {
                Storage = StreamConfigStorage.File,
                Retention = StreamConfigRetention.Workqueue,
                DuplicateWindow = DuplicateWindow,
                Discard = StreamConfigDiscard.Old,
            },
            cancellationToken).AsTask();

    /// <summary>The repository a payload is about (GitHub <c>repository.full_name</c>, GitLab <c>project.path_with_namespace</c>), or empty.</summary>
    /// <remarks>A JSON Lines batch is keyed by its first line. The body was checked to be JSON before it got here; anything else gives empty.</remarks>
    public static string RepositoryOf(byte[] body)
    {
        var span = body.AsSpan();
        try
        {
            return Repository(span) ?? string.Empty;
        }
        catch (JsonException)
        {
            var newline = span.IndexOf((byte)'\n');
            if (newline < 0) return string.Empty;
            try
            {
                return Repository(span[..newline]) ?? string.Empty;
            }
            catch (JsonException)
            {
                return string.Empty;
            }
        }
    }

    public static NatsHeaders Headers(IntakeItem item)
    {
        var headers = new NatsHeaders
        {
            [KindHeader] = item.Kind,
            [PlatformHeader] = Escape(item.Platform),
            [OriginHeader] = Escape(item.Origin),
            [ReceivedHeader] = item.Received.ToString(CultureInfo.InvariantCulture),
        };
        if (item.Delivery is not null) headers[DeliveryHeader] = Escape(item.Delivery);
        if (item.Hint is not null) headers[HintHeader] = Escape(item.Hint);
        return headers;
    }

    /// <summary>The intake item a message carries, or null when it is not one (no kind or platform header).</summary>
    public static IntakeItem? Item(NatsHeaders? headers, byte[]? body)
    {
        if (headers is null) return null;
        string? Get(string name) => headers.TryGetValue(name, out var values) && values.Count > 0 ? Uri.UnescapeDataString(values[0]!) : null;
        var kind = Get(KindHeader);
        var platform = Get(PlatformHeader);
        if (kind is null || platform is null) return null;
        var received = long.TryParse(Get(ReceivedHeader), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms : 0;
        return new IntakeItem(kind, platform, Get(DeliveryHeader), Get(HintHeader), Get(OriginHeader) ?? $"queue:{platform}", body ?? [], received);
    }

    /// <summary>The message id JetStream de-duplicates on: the platform and the sender's delivery id, or null when it gave none.</summary>
    public static string? MessageId(IntakeItem item) => item.Delivery is null ? null : $"{item.Platform}:{item.Delivery}";

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static string? Repository(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) return null;
        if (root.TryGetProperty("repository", out var repository) && repository.ValueKind == JsonValueKind.Object
            && repository.TryGetProperty("full_name", out var fullName) && fullName.ValueKind == JsonValueKind.String)
        {
            return fullName.GetString();
        }

        if (root.TryGetProperty("project", out var project) && project.ValueKind == JsonValueKind.Object
            && project.TryGetProperty("path_with_namespace", out var path) && path.ValueKind == JsonValueKind.String)
        {
            return path.GetString();
        }

        // ingest's JSON Lines of normalized events, and the runner agent's.
        if (root.TryGetProperty("ci.repository", out var flat) && flat.ValueKind == JsonValueKind.String) return flat.GetString();
        return root.TryGetProperty("ci", out var ci) && ci.ValueKind == JsonValueKind.Object && ci.TryGetProperty("repository", out var nested) && nested.ValueKind == JsonValueKind.String
            ? nested.GetString()
            : null;
    }
}
