using System;
using System.Net.Sockets;
using NetChannel.Copy;
using NetChannel.Scheduling;

namespace NetChannel.Vns;

/// <summary>Copies a batch of a send's chunks from application memory into their reserved Tx slots and
/// commits each one; run by a copy worker (or inline when every worker is busy).</summary>
internal sealed class TxCopyItem : CopyWorkItem
{
    public const int MaxChunks = 16;

    private struct Chunk
    {
        public ScheduledChannel Channel;
        public TxLease Lease;
        public int Offset, Length;
        public long Seq;
    }

    private readonly ObjectPool<TxCopyItem> _pool;
    private readonly Chunk[] _chunks = new Chunk[MaxChunks];
    private int _count;
    private VnsSocket? _socket;
    private ReadOnlyMemory<byte> _source;

    /// <summary>True when handed to a worker (the socket counts it as outstanding).</summary>
    public bool Queued;

    public TxCopyItem(ObjectPool<TxCopyItem> pool) => _pool = pool;

    public bool IsFull => _count == MaxChunks;

    public TxCopyItem Init(VnsSocket socket, ReadOnlyMemory<byte> source)
    {
        _socket = socket;
        _source = source;
        _count = 0;
        Bytes = 0;
        Class = socket.Class;
        Queued = false;
        return this;
    }

    public void Add(ScheduledChannel channel, in TxLease lease, int offset, int length, long seq)
    {
        _chunks[_count++] = new Chunk { Channel = channel, Lease = lease, Offset = offset, Length = length, Seq = seq };
        Bytes += length;
    }

    public override void Execute()
    {
        VnsSocket socket = _socket!;
        Exception? failure = null;
        for (int i = 0; i < _count; i++)
        {
            ref Chunk c = ref _chunks[i];
            bool copied = false;
            if (failure is null)
            {
                try
                {
                    _source.Span.Slice(c.Offset, c.Length).CopyTo(c.Lease.Buffer);
                    copied = true;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            }
            // Every reserved slot is committed, whatever happened: an uncommitted slot would hold back the
            // ring's committed prefix for every socket on the channel.
            if (copied) socket.CommitData(c.Channel, c.Lease, c.Seq, c.Length);
            else socket.CommitFiller(c.Channel, c.Lease);
            c = default;
        }
        bool queued = Queued;
        _count = 0;
        _socket = null;
        _source = default;
        _pool.Return(this);
        if (failure is not null) socket.Abort(SocketError.Fault, $"copying data to send failed: {failure.Message}", true);
        socket.OnTxCopyDone(queued);
    }
}
