using System.Globalization;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using PipeWatch.Diagnostics;

namespace PipeWatch.Server.Queue;

/// <summary>
/// Which worker reads which partition: a lease per partition in a JetStream key-value bucket whose entries expire after the
/// lease time, taken with create (only one worker can), kept with compare-and-set updates, handed on when the workers rebalance.
/// </summary>
/// <remarks>
/// Every worker announces itself under <c>member.ID</c> at each round (a third of the lease time) and aims at an equal share of
/// the partitions (rounded up). A worker holding more than its share stops reading the extra ones, waits until their messages in
/// flight are committed and acknowledged, and deletes their leases; a worker holding fewer takes free ones. A worker that dies
/// stops renewing: its leases and its member entry expire, and the others take its partitions over; its unacknowledged messages
/// come again after AckWait (the same duration). A worker that cannot renew a lease for a whole lease time (JetStream down,
/// another worker took it) stops reading that partition. One partition is thus read by one worker at a time, apart from the
/// moment a worker loses a lease it could not renew while still committing (the ledger keeps that exactly-once). The partitions
/// run in one round's task; not thread-safe.
/// </remarks>
internal sealed class PartitionLeases(INatsKVStore bucket, string worker, int partitions, TimeSpan lease, JetStreamFeed feed, WorkerMetrics metrics, IProblemReporter problems)
{
    private const string MemberPrefix = "member.";
    private readonly Dictionary<int, Lease> _held = [];
    private bool _failing;

    /// <summary>The partitions held now.</summary>
    public IReadOnlyCollection<int> Held => [.. _held.Keys];

    /// <summary>A key-value bucket name's and key's allowed characters, for a worker id from a host name.</summary>
    public static string WorkerId(string name)
    {
        var id = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
        return id.Length == 0 ? "worker" : id;
    }

    /// <summary>Rounds until cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stop).ConfigureAwait(false);
                _failing = false;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
            {
                if (!_failing) problems.Report(new Problem($"worker {worker}", $"lease round failed, retrying: {ex.GetType().Name}: {ex.Message}"));
                _failing = true;
                await DropStaleAsync().ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(lease / 3, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>At a graceful stop: stops reading every partition (waiting for what is in flight), then gives the leases and the membership back so others take over at once.</summary>
    public async Task ReleaseAllAsync(TimeSpan drain)
    {
        foreach (var partition in _held.Keys.ToList()) await feed.StopAsync(partition, drain).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            foreach (var (partition, held) in _held) await bucket.DeleteAsync(Key(partition), new NatsKVDeleteOpts { Revision = held.Revision }, timeout.Token).ConfigureAwait(false);
            await bucket.DeleteAsync(MemberPrefix + worker, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            // They expire by themselves within a lease time.
        }

        _held.Clear();
        metrics.Partitions.Set(0);
    }

    private async Task RoundAsync(CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(lease);
        var ct = timeout.Token;
        await bucket.PutAsync(MemberPrefix + worker, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), cancellationToken: ct).ConfigureAwait(false);

        // Keep what is held: a compare-and-set on the revision this worker wrote last, so a lease someone else took is not taken back.
        foreach (var (partition, held) in _held.ToList())
        {
            try
            {
                var revision = await bucket.UpdateAsync(Key(partition), worker, held.Revision, cancellationToken: ct).ConfigureAwait(false);
                _held[partition] = new Lease(revision, DateTime.UtcNow);
            }
            catch (NatsKVException)
            {
                problems.Report(new Problem($"worker {worker}", $"lost the lease of partition {partition}; stopped reading it"));
                _held.Remove(partition);
                await feed.StopAsync(partition, lease).ConfigureAwait(false);
            }
        }

        var members = 0;
        await foreach (var key in bucket.GetKeysAsync(cancellationToken: ct).ConfigureAwait(false))
        {
            if (key.StartsWith(MemberPrefix, StringComparison.Ordinal)) members++;
        }

        var share = (partitions + Math.Max(1, members) - 1) / Math.Max(1, members);
        // More than a fair share: the highest partitions are drained and handed back.
        foreach (var partition in _held.Keys.OrderDescending().Take(Math.Max(0, _held.Count - share)).ToList())
        {
            await feed.StopAsync(partition, lease).ConfigureAwait(false);
            try
            {
                await bucket.DeleteAsync(Key(partition), new NatsKVDeleteOpts { Revision = _held[partition].Revision }, ct).ConfigureAwait(false);
            }
            catch (NatsKVException)
            {
                // Expired meanwhile: free already.
            }

            _held.Remove(partition);
        }

        // Fewer: free partitions are taken, starting at a place of this worker's own so that workers starting together spread out.
        var start = IntakeStream.Partition(worker, partitions);
        for (var i = 0; i < partitions && _held.Count < share; i++)
        {
            var partition = (start + i) % partitions;
            if (_held.ContainsKey(partition)) continue;
            try
            {
                var revision = await bucket.CreateAsync(Key(partition), worker, cancellationToken: ct).ConfigureAwait(false);
                _held[partition] = new Lease(revision, DateTime.UtcNow);
                feed.Start(partition);
            }
            catch (NatsKVException)
            {
                // Held by another worker.
            }
        }

        metrics.Partitions.Set(_held.Count);
    }

    /// <summary>JetStream cannot be reached: a lease not renewed for a whole lease time may be another worker's by now, so its partition stops.</summary>
    private async Task DropStaleAsync()
    {
        foreach (var (partition, held) in _held.ToList())
        {
            if (DateTime.UtcNow - held.Renewed < lease) continue;
            _held.Remove(partition);
            await feed.StopAsync(partition, TimeSpan.Zero).ConfigureAwait(false);
        }

        metrics.Partitions.Set(_held.Count);
    }

    private static string Key(int partition) => "partition." + partition.ToString(CultureInfo.InvariantCulture);

    private sealed record Lease(ulong Revision, DateTime Renewed);
}
