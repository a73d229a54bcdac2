using System;
using System.Threading;
using NetChannel.Copy;

namespace NetChannel.Scheduling;

/// <summary>State a policy keeps per channel group or worker set. Several threads schedule at once: update
/// it with <see cref="Interlocked"/> operations.</summary>
public struct PolicyCursor
{
    /// <summary>A free-running counter (e.g. chunks scheduled).</summary>
    public int Counter;
}

/// <summary>The channels of one group (one peer, one class) as a policy sees them.</summary>
public readonly ref struct ChannelView
{
    private readonly ReadOnlySpan<ScheduledChannel> _channels;

    internal ChannelView(ReadOnlySpan<ScheduledChannel> channels) => _channels = channels;

    /// <summary>Number of usable channels (at least 1 when a policy is asked).</summary>
    public int Count => _channels.Length;

    /// <summary>Payload bytes committed on channel <paramref name="index"/> and not yet acknowledged.</summary>
    public long QueuedBytes(int index) => _channels[index].Transport.QueuedBytes;

    /// <summary>Messages committed on channel <paramref name="index"/> and not yet acknowledged.</summary>
    public int QueuedMessages(int index) => _channels[index].Transport.QueuedMessages;

    /// <summary>Channel id of channel <paramref name="index"/>.</summary>
    public int Id(int index) => _channels[index].Transport.Id;
}

/// <summary>The copy workers of one class as a policy sees them.</summary>
public readonly ref struct WorkerView
{
    private readonly ReadOnlySpan<CopyWorker> _workers;

    internal WorkerView(ReadOnlySpan<CopyWorker> workers) => _workers = workers;

    /// <summary>Number of workers (at least 1 when a policy is asked).</summary>
    public int Count => _workers.Length;

    /// <summary>Bytes queued at worker <paramref name="index"/>.</summary>
    public long QueuedBytes(int index) => _workers[index].QueuedBytes;
}

/// <summary>Outcome of a selection.</summary>
/// <param name="Index">Chosen index, or -1 for "none" (for workers: copy inline on the calling thread).</param>
/// <param name="Skipped">Candidates passed over because they were above the policy's threshold.</param>
/// <param name="AllBusy">Every candidate was above the threshold.</param>
public readonly record struct Selection(int Index, int Skipped, bool AllBusy);

/// <summary>Chooses the channel for each chunk (and control message) of a virtual socket.</summary>
public interface IChannelPolicy
{
    /// <summary>Name for counters and logs.</summary>
    string Name { get; }

    /// <summary>Picks one of <paramref name="channels"/> (Count ≥ 1).</summary>
    /// <param name="channels">The usable channels of the socket's group.</param>
    /// <param name="cursor">The group's policy state.</param>
    /// <param name="flowHash">A stable hash of the socket.</param>
    /// <param name="control">The message is a payload-less control message (SYN, credit grant, FIN, RST)
    /// rather than a DATA chunk.</param>
    Selection Select(ChannelView channels, ref PolicyCursor cursor, int flowHash, bool control);
}

/// <summary>Chooses the copy worker for a copy request, or none (copy inline).</summary>
public interface IWorkerPolicy
{
    /// <summary>Name for counters and logs.</summary>
    string Name { get; }

    /// <summary>Picks one of <paramref name="workers"/> (Count ≥ 1) for a copy of <paramref name="bytes"/> bytes, or -1 to copy inline.</summary>
    Selection Select(WorkerView workers, ref PolicyCursor cursor, int bytes);
}

/// <summary>Round-robin over the channels, staying on one channel for <see cref="StickyChunks"/> chunks and
/// skipping channels with more than <see cref="SkipQueuedBytes"/> queued; when every channel is above the
/// threshold the least queued one is taken. Control messages take the least queued channel, so a credit
/// grant or a FIN never waits behind bulk data.</summary>
public sealed class RoundRobinChannelPolicy : IChannelPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="stickyChunks">Chunks in a row on one channel (the reference used 6).</param>
    /// <param name="skipQueuedBytes">Queued bytes above which a channel is passed over (the reference: 32 requests ≈ 2 MB).</param>
    public RoundRobinChannelPolicy(int stickyChunks = 6, long skipQueuedBytes = 2L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stickyChunks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(skipQueuedBytes);
        StickyChunks = stickyChunks;
        SkipQueuedBytes = skipQueuedBytes;
    }

    /// <summary>Chunks in a row on one channel.</summary>
    public int StickyChunks { get; }

    /// <summary>Queued bytes above which a channel is passed over.</summary>
    public long SkipQueuedBytes { get; }

    /// <inheritdoc/>
    public string Name => "round-robin";

    /// <inheritdoc/>
    public Selection Select(ChannelView channels, ref PolicyCursor cursor, int flowHash, bool control)
    {
        int n = channels.Count;
        if (control)
        {
            int least = 0;
            long lq = channels.QueuedBytes(0);
            for (int i = 1; i < n && lq > 0; i++)
            {
                long q = channels.QueuedBytes(i);
                if (q < lq) { lq = q; least = i; }
            }
            return new Selection(least, 0, false);
        }
        uint c = (uint)Interlocked.Increment(ref cursor.Counter) - 1;
        int start = (int)(c / (uint)StickyChunks % (uint)n);
        int best = start;
        long bestQ = long.MaxValue;
        for (int k = 0; k < n; k++)
        {
            int i = start + k;
            if (i >= n) i -= n;
            long q = channels.QueuedBytes(i);
            if (q < SkipQueuedBytes) return new Selection(i, k, false);
            if (q < bestQ) { bestQ = q; best = i; }
        }
        return new Selection(best, n, true);
    }
}

/// <summary>Hash by socket: all chunks of one socket on one channel (while the group's size is unchanged).</summary>
public sealed class HashChannelPolicy : IChannelPolicy
{
    /// <inheritdoc/>
    public string Name => "hash-by-socket";

    /// <inheritdoc/>
    public Selection Select(ChannelView channels, ref PolicyCursor cursor, int flowHash, bool control) =>
        new((int)((uint)flowHash % (uint)channels.Count), 0, false);
}

/// <summary>Round-robin over the workers, skipping workers with more than <see cref="SkipQueuedBytes"/>
/// queued; when every worker is above the threshold the copy runs inline on the calling thread (the
/// application feels the back-pressure instead of a queue growing without bound).</summary>
public sealed class RoundRobinWorkerPolicy : IWorkerPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="skipQueuedBytes">Queued bytes above which a worker is passed over (the reference: 640 KiB).</param>
    public RoundRobinWorkerPolicy(long skipQueuedBytes = 640 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(skipQueuedBytes);
        SkipQueuedBytes = skipQueuedBytes;
    }

    /// <summary>Queued bytes above which a worker is passed over.</summary>
    public long SkipQueuedBytes { get; }

    /// <inheritdoc/>
    public string Name => "round-robin";

    /// <inheritdoc/>
    public Selection Select(WorkerView workers, ref PolicyCursor cursor, int bytes)
    {
        int n = workers.Count;
        int start = (int)((uint)Interlocked.Increment(ref cursor.Counter) % (uint)n);
        for (int k = 0; k < n; k++)
        {
            int i = start + k;
            if (i >= n) i -= n;
            if (workers.QueuedBytes(i) < SkipQueuedBytes) return new Selection(i, k, false);
        }
        return new Selection(-1, n, true);
    }
}
