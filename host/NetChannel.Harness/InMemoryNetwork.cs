using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using NetChannel.Scheduling;

namespace NetChannel.Harness;

/// <summary>Options of an <see cref="InMemoryNetwork"/>.</summary>
public sealed class InMemoryNetworkOptions
{
    /// <summary>Seed of the reordering choices.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>A message may overtake up to this many − 1 earlier messages of its channel (1: FIFO per
    /// channel). Channels are always served in random order, so messages of different channels interleave
    /// arbitrarily. Default 8.</summary>
    public int ReorderWindow { get; set; } = 8;

    /// <summary>Tx ring slots per channel. Default 64.</summary>
    public int TxRingSize { get; set; } = 64;

    /// <summary>Rx buffers per channel (the channel's credit). Default 64.</summary>
    public int RxBuffers { get; set; } = 64;

    /// <summary>Largest payload. Default 9000 (the NIC's jumbo limit).</summary>
    public int MaxPayload { get; set; } = 9000;

    /// <summary>How long after a host crashes its peers' channels to it fail (a retransmission limit). Default 100 ms.</summary>
    public TimeSpan FailAfter { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Also report a channel's opening to the host that opened it (drivers may or may not). Default true.</summary>
    public bool NotifyOpener { get; set; } = true;
}

/// <summary>
/// A network of in-memory hosts that behaves like NetChannel NICs as the virtual-socket layer sees them:
/// channels are reliable and exactly-once but reorder messages (within a window per channel, arbitrarily
/// across channels), Tx rings and Rx buffers are finite (a full ring makes senders wait, a receiver that
/// does not release buffers stops its channel), and every event reaches the sink on one "poller" thread.
/// Faults: <see cref="Crash"/> (a host vanishes; its peers' channels fail), <see cref="FailChannel(ITransportChannel)"/>,
/// <see cref="Hold(ITransportChannel, bool)"/> (stop delivering one side of a channel). For tests and benchmarks of VNS without a NIC.
/// </summary>
public sealed class InMemoryNetwork : IDisposable
{
    private readonly object _lock = new();
    private readonly List<InMemoryTransport> _hosts = new();
    private readonly Thread _pump;
    private readonly Random _rng;
    private readonly Queue<Action> _events = new();
    private MemChannel[] _channels = [];
    private bool _signaled, _stopped;
    private long _delivered;
    private long _pass, _idlePass;

    /// <summary>Creates the network and starts its delivery thread.</summary>
    public InMemoryNetwork(InMemoryNetworkOptions? options = null)
    {
        Options = options ?? new InMemoryNetworkOptions();
        if (Options.ReorderWindow < 1) throw new ArgumentOutOfRangeException(nameof(options), "ReorderWindow must be at least 1");
        if (Options.TxRingSize < 1 || Options.RxBuffers < 1 || Options.MaxPayload < 1) throw new ArgumentOutOfRangeException(nameof(options), "ring sizes and MaxPayload must be positive");
        _rng = new Random(Options.Seed);
        _pump = new Thread(Pump) { IsBackground = true, Name = "memnet-poller" };
        _pump.Start();
    }

    /// <summary>The options.</summary>
    public InMemoryNetworkOptions Options { get; }

    /// <summary>Messages delivered so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Completes once the network has delivered everything sent before the call that can be delivered
    /// (held channels stay held) and run every event: a pass of its delivery thread that began after the call
    /// found nothing to do. Tests wait on it, not on a sleep, before they check that something did not happen.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task QuiesceAsync(CancellationToken cancellationToken = default)
    {
        long mark = Volatile.Read(ref _pass);
        Signal();
        while (Volatile.Read(ref _idlePass) <= mark)
        {
            if (Volatile.Read(ref _stopped)) throw new ObjectDisposedException(nameof(InMemoryNetwork));
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Adds a host with address <paramref name="ip"/> (host order).</summary>
    public InMemoryTransport CreateHost(uint ip)
    {
        lock (_lock)
        {
            foreach (InMemoryTransport h in _hosts)
                if (h.LocalIp == ip) throw new ArgumentException($"a host with address {ip:x8} exists", nameof(ip));
            var t = new InMemoryTransport(this, ip);
            _hosts.Add(t);
            return t;
        }
    }

    internal InMemoryTransport? Find(uint ip)
    {
        lock (_lock)
            foreach (InMemoryTransport h in _hosts)
                if (h.LocalIp == ip && !h.Removed) return h;
        return null;
    }

    internal void AddPair(MemChannel a, MemChannel b)
    {
        lock (_lock)
        {
            var n = new MemChannel[_channels.Length + 2];
            _channels.CopyTo(n, 0);
            n[^2] = a;
            n[^1] = b;
            _channels = n;
        }
    }

    private void RemoveChannel(MemChannel c)
    {
        lock (_lock) _channels = Array.FindAll(_channels, x => x != c);
    }

    internal void Post(Action ev)
    {
        lock (_lock)
        {
            _events.Enqueue(ev);
            _signaled = true;
            Monitor.Pulse(_lock);
        }
    }

    internal void Signal()
    {
        lock (_lock)
        {
            _signaled = true;
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>The host vanishes without a word: nothing more is delivered to or from it, and after
    /// <see cref="InMemoryNetworkOptions.FailAfter"/> every peer channel to it fails.</summary>
    public void Crash(InMemoryTransport host)
    {
        host.Crashed = true;
        _ = FailPeersLaterAsync(host);
    }

    private async Task FailPeersLaterAsync(InMemoryTransport host)
    {
        await Task.Delay(Options.FailAfter).ConfigureAwait(false);
        foreach (MemChannel c in _channels)
            if (c.Owner == host) FailPair(c.Peer, new TimeoutException($"peer {host.LocalIp:x8} stopped acknowledging (retransmission limit)"), onlyThisSide: true);
    }

    /// <summary>Channel <paramref name="channelId"/> of <paramref name="host"/> fails on both sides.</summary>
    /// <exception cref="ArgumentException">The host has no open channel with that id.</exception>
    public void FailChannel(InMemoryTransport host, int channelId)
    {
        foreach (MemChannel c in AllChannels())
            if (c.Owner == host && c.Id == channelId)
            {
                FailChannel(c);
                return;
            }
        throw new ArgumentException($"{host.Description} has no open channel {channelId}", nameof(channelId));
    }

    /// <summary>The channel fails on both sides (as when its retransmission limit is reached).</summary>
    public void FailChannel(ITransportChannel channel) =>
        FailPair((MemChannel)channel, new TimeoutException($"channel {channel.Id} failed (injected)"), onlyThisSide: false);

    private void FailPair(MemChannel c, Exception error, bool onlyThisSide)
    {
        if (c.Down(true))
        {
            RemoveChannel(c);
            Post(() => c.Owner.Sink?.OnChannelDown(c, true, error));
        }
        if (!onlyThisSide && c.Peer.Down(true))
        {
            RemoveChannel(c.Peer);
            Post(() => c.Peer.Owner.Sink?.OnChannelDown(c.Peer, true, error));
        }
    }

    internal void ClosePair(MemChannel c)
    {
        foreach (MemChannel side in new[] { c, c.Peer })
        {
            if (!side.Down(false)) continue;
            RemoveChannel(side);
            MemChannel s = side;
            if (!s.Owner.Crashed) Post(() => s.Owner.Sink?.OnChannelDown(s, false, null));
        }
    }

    /// <summary>Stops (<paramref name="hold"/> true) or resumes delivering the messages <paramref name="channel"/> sends.</summary>
    public void Hold(ITransportChannel channel, bool hold)
    {
        ((MemChannel)channel).Held = hold;
        Signal();
    }

    /// <summary>Stops or resumes delivering what channel <paramref name="channelId"/> of <paramref name="host"/> sends.</summary>
    /// <exception cref="ArgumentException">The host has no open channel with that id.</exception>
    public void Hold(InMemoryTransport host, int channelId, bool hold)
    {
        foreach (MemChannel c in AllChannels())
            if (c.Owner == host && c.Id == channelId)
            {
                Hold(c, hold);
                return;
            }
        throw new ArgumentException($"{host.Description} has no open channel {channelId}", nameof(channelId));
    }

    internal MemChannel[] AllChannels()
    {
        lock (_lock) return _channels;
    }

    internal void RemoveHost(InMemoryTransport t)
    {
        lock (_lock) t.Removed = true;
    }

    private void Pump()
    {
        var order = new List<MemChannel>();
        while (true)
        {
            long pass = Interlocked.Increment(ref _pass);
            Action? ev = null;
            MemChannel[] chans;
            lock (_lock)
            {
                if (_stopped) return;
                if (_events.Count > 0) ev = _events.Dequeue();
                chans = _channels;
            }
            if (ev is not null)
            {
                ev();
                continue;
            }
            order.Clear();
            order.AddRange(chans);
            for (int i = order.Count - 1; i > 0; i--)
            {
                int j = _rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            bool progress = false;
            foreach (MemChannel c in order)
                for (int k = 0; k < 4 && c.TryDeliverOne(_rng); k++)
                {
                    progress = true;
                    Interlocked.Increment(ref _delivered);
                }
            if (progress) continue;
            Volatile.Write(ref _idlePass, pass);
            lock (_lock)
            {
                if (!_signaled && _events.Count == 0) Monitor.Wait(_lock, 20);
                _signaled = false;
            }
        }
    }

    /// <summary>Stops the delivery thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            Monitor.Pulse(_lock);
        }
        if (Thread.CurrentThread != _pump) _pump.Join();
    }
}

/// <summary>One host of an <see cref="InMemoryNetwork"/> (an <see cref="ITransportHost"/>). A host that is
/// never started has no sink: it accepts channels but swallows every message (a silent peer).</summary>
public sealed class InMemoryTransport : ITransportHost
{
    private readonly InMemoryNetwork _net;
    private int _nextId;

    internal InMemoryTransport(InMemoryNetwork net, uint ip)
    {
        _net = net;
        LocalIp = ip;
    }

    internal volatile ITransportSink? Sink;
    internal volatile bool Crashed;
    internal bool Removed;
    internal InMemoryNetwork Network => _net;

    /// <inheritdoc/>
    public string Description => $"in-memory host {LocalIp >> 24}.{(LocalIp >> 16) & 255}.{(LocalIp >> 8) & 255}.{LocalIp & 255}";

    /// <inheritdoc/>
    public uint LocalIp { get; }

    /// <inheritdoc/>
    public bool CanReach(uint ip) => ip != LocalIp && _net.Find(ip) is not null;

    /// <inheritdoc/>
    public ValueTask StartAsync(ITransportSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Sink is not null) throw new InvalidOperationException("already started");
        Sink = sink;
        return default;
    }

    internal int NextId() => Interlocked.Increment(ref _nextId);

    /// <inheritdoc/>
    public async ValueTask<ITransportChannel> OpenChannelAsync(uint peerIp, TrafficClass trafficClass, CancellationToken cancellationToken)
    {
        if (Crashed || Removed) throw new ObjectDisposedException(Description);
        InMemoryTransport peer = _net.Find(peerIp) ?? throw new SocketException((int)SocketError.HostUnreachable, $"no host {peerIp:x8}");
        if (peer.Crashed)
        {
            await Task.Delay(_net.Options.FailAfter, cancellationToken).ConfigureAwait(false);
            throw new TimeoutException($"peer {peerIp:x8} does not answer the channel open");
        }
        await Task.Yield(); // like a management exchange: never completes synchronously
        var a = new MemChannel(this, NextId(), peerIp, trafficClass, _net.Options);
        var b = new MemChannel(peer, peer.NextId(), LocalIp, trafficClass, _net.Options);
        a.Peer = b;
        b.Peer = a;
        _net.AddPair(a, b);
        _net.Post(() => peer.Sink?.OnChannelOpened(b));
        if (_net.Options.NotifyOpener) _net.Post(() => Sink?.OnChannelOpened(a));
        return a;
    }

    /// <summary>Closes every channel of the host (agreed with the peers) and leaves the network.</summary>
    public ValueTask DisposeAsync()
    {
        if (!Removed)
        {
            foreach (MemChannel c in Channels()) _net.ClosePair(c);
            _net.RemoveHost(this);
        }
        return default;
    }

    private List<MemChannel> Channels()
    {
        var l = new List<MemChannel>();
        foreach (MemChannel c in _net.AllChannels())
            if (c.Owner == this) l.Add(c);
        return l;
    }
}

/// <summary>One side of an in-memory channel.</summary>
internal sealed class MemChannel : ITransportChannel
{
    private const byte Free = 0, Reserved = 1, Committed = 2, Posted = 3, Delivered = 4;

    private readonly object _lock = new();
    private readonly int _ring;
    private readonly byte[][] _txBuf;
    private readonly MessageHeader[] _txHdr;
    private readonly int[] _txLen;
    private readonly byte[] _txState;
    private readonly byte[][] _rxBuf;
    private readonly Stack<int> _rxFree;
    private readonly Queue<ReserveWaiter> _waiters = new();
    private readonly Stack<ReserveWaiter> _waiterPool = new();
    private readonly int[] _candidates;
    private long _reserve, _post, _complete;
    private long _queuedBytes;
    private int _queuedMsgs;
    private int _state; // 0 open, 1 closed, 2 failed

    public MemChannel(InMemoryTransport owner, int id, uint peerIp, TrafficClass cls, InMemoryNetworkOptions o)
    {
        Owner = owner;
        Id = id;
        PeerIp = peerIp;
        Class = cls;
        MaxPayload = o.MaxPayload;
        _ring = o.TxRingSize;
        _txBuf = new byte[_ring][];
        for (int i = 0; i < _ring; i++) _txBuf[i] = new byte[o.MaxPayload];
        _txHdr = new MessageHeader[_ring];
        _txLen = new int[_ring];
        _txState = new byte[_ring];
        _rxBuf = new byte[o.RxBuffers][];
        _rxFree = new Stack<int>(o.RxBuffers);
        for (int i = o.RxBuffers - 1; i >= 0; i--)
        {
            _rxBuf[i] = new byte[o.MaxPayload];
            _rxFree.Push(i);
        }
        _candidates = new int[Math.Max(1, o.ReorderWindow)];
    }

    public InMemoryTransport Owner { get; }
    public MemChannel Peer { get; set; } = null!;
    public volatile bool Held;

    public int Id { get; }
    public uint PeerIp { get; }
    public TrafficClass Class { get; }
    public bool IsOpen => Volatile.Read(ref _state) == 0;
    public int MaxPayload { get; }
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
    public int QueuedMessages => Volatile.Read(ref _queuedMsgs);
    public int RxBufferCount => _rxBuf.Length;

    /// <summary>Marks the side down; false when it already was. Outstanding Tx slots are released and waiters fail.</summary>
    public bool Down(bool failed)
    {
        ReserveWaiter[] ws;
        lock (_lock)
        {
            if (_state != 0) return false;
            _state = failed ? 2 : 1;
            ws = Array.FindAll(_waiters.ToArray(), w => w.TryClaim());
            _waiters.Clear();
            for (long i = _complete; i < _post; i++) _txState[i % _ring] = Free;
            _complete = _post;
            _queuedBytes = 0;
            _queuedMsgs = 0;
        }
        foreach (ReserveWaiter w in ws) w.Fail(new IOException(failed ? $"channel {Id} failed" : $"channel {Id} closed"));
        return true;
    }

    public bool TryReserve(out TxLease lease)
    {
        lock (_lock)
        {
            if (_state != 0 || _reserve - _complete >= _ring)
            {
                lease = default;
                return false;
            }
            int slot = (int)(_reserve++ % _ring);
            _txState[slot] = Reserved;
            lease = new TxLease(this, slot);
            return true;
        }
    }

    public ValueTask<TxLease> ReserveAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_state != 0) return ValueTask.FromException<TxLease>(new IOException($"channel {Id} is {(_state == 1 ? "closed" : "failed")}"));
            if (TryReserve(out TxLease l)) return new ValueTask<TxLease>(l);
            if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<TxLease>(cancellationToken);
            ReserveWaiter w = _waiterPool.Count > 0 ? _waiterPool.Pop() : new ReserveWaiter(this);
            _waiters.Enqueue(w);
            return w.Start(cancellationToken);
        }
    }

    internal void CancelWaiter(ReserveWaiter w, CancellationToken token)
    {
        lock (_lock)
        {
            if (w.Token != token || !w.TryClaim()) return; // already being completed
            var keep = new Queue<ReserveWaiter>();
            while (_waiters.Count > 0)
            {
                ReserveWaiter x = _waiters.Dequeue();
                if (x != w) keep.Enqueue(x);
            }
            while (keep.Count > 0) _waiters.Enqueue(keep.Dequeue());
        }
        w.Fail(new OperationCanceledException(token));
    }

    internal void ReturnWaiter(ReserveWaiter w)
    {
        lock (_lock) _waiterPool.Push(w);
    }

    public Span<byte> GetTxBuffer(int token) => _txBuf[token];

    public void Commit(in TxLease lease, in MessageHeader header, int length)
    {
        if (!ReferenceEquals(lease.Channel, this)) throw new ArgumentException("the lease belongs to another channel", nameof(lease));
        if ((uint)length > (uint)MaxPayload) throw new ArgumentOutOfRangeException(nameof(length), length, $"payload must be 0..{MaxPayload}");
        int slot = lease.Token;
        lock (_lock)
        {
            if (_state != 0) return; // the channel went down: the message is lost, as on a NIC
            if (_txState[slot] != Reserved) throw new InvalidOperationException($"slot {slot} of channel {Id} committed twice");
            _txHdr[slot] = header;
            _txLen[slot] = length;
            _txState[slot] = Committed;
            _queuedBytes += length;
            _queuedMsgs++;
            while (_post < _reserve && _txState[_post % _ring] == Committed) _txState[_post++ % _ring] = Posted;
        }
        Owner.Network.Signal();
    }

    /// <summary>Delivers one posted message to the peer (pump thread); false when nothing can go.</summary>
    public bool TryDeliverOne(Random rng)
    {
        if (Held || Owner.Crashed || Peer.Owner.Crashed) return false;
        MessageHeader hdr;
        int len, rx, slot;
        lock (_lock)
        {
            if (_state != 0) return false;
            int n = 0;
            for (long i = _complete; i < _post && n < _candidates.Length; i++)
                if (_txState[i % _ring] == Posted) _candidates[n++] = (int)(i % _ring);
            if (n == 0) return false;
            rx = Peer.TakeRxBuffer();
            if (rx < 0) return false; // no credit at the peer
            slot = _candidates[rng.Next(n)];
            hdr = _txHdr[slot];
            len = _txLen[slot];
            _txBuf[slot].AsSpan(0, len).CopyTo(Peer._rxBuf[rx]);
            _txState[slot] = Delivered;
            _queuedBytes -= len;
            _queuedMsgs--;
            while (_complete < _post && _txState[_complete % _ring] == Delivered) _txState[_complete++ % _ring] = Free;
        }
        WakeReservers();
        ITransportSink? sink = Peer.Owner.Sink;
        if (sink is null || !Peer.IsOpen) Peer.ReleaseRx(rx);
        else sink.OnMessage(Peer, hdr, new RxPayload(Peer, rx, len));
        return true;
    }

    private void WakeReservers()
    {
        while (true)
        {
            ReserveWaiter w;
            TxLease lease;
            lock (_lock)
            {
                if (_waiters.Count == 0 || _state != 0 || _reserve - _complete >= _ring) return;
                w = _waiters.Dequeue();
                if (!w.TryClaim()) continue; // cancelled meanwhile
                int slot = (int)(_reserve++ % _ring);
                _txState[slot] = Reserved;
                lease = new TxLease(this, slot);
            }
            w.Complete(lease);
        }
    }

    private int TakeRxBuffer()
    {
        lock (_rxFree) return _rxFree.Count > 0 ? _rxFree.Pop() : -1;
    }

    public ReadOnlySpan<byte> GetRxSpan(int token, int length) => _rxBuf[token].AsSpan(0, length);

    public void ReleaseRx(int token)
    {
        lock (_rxFree) _rxFree.Push(token);
        Owner.Network.Signal();
    }

    public ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        Owner.Network.ClosePair(this);
        return default;
    }

    public override string ToString() => $"memchannel {Id} -> {PeerIp:x8} ({Class})";

    /// <summary>A pooled waiter for a Tx slot.</summary>
    internal sealed class ReserveWaiter : IValueTaskSource<TxLease>
    {
        private static readonly Action<object?, CancellationToken> s_cancel = static (s, t) => { var w = (ReserveWaiter)s!; w._owner.CancelWaiter(w, t); };
        private readonly MemChannel _owner;
        private ManualResetValueTaskSourceCore<TxLease> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _reg;
        private int _done;

        public ReserveWaiter(MemChannel owner) => _owner = owner;

        public CancellationToken Token { get; private set; }

        /// <summary>Takes the right to complete the waiter (exactly one of completion and cancellation wins).</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _done, 1, 0) == 0;

        public ValueTask<TxLease> Start(CancellationToken ct)
        {
            _core.Reset();
            _done = 0;
            Token = ct;
            _reg = ct.CanBeCanceled ? ct.UnsafeRegister(s_cancel, this) : default;
            return new ValueTask<TxLease>(this, _core.Version);
        }

        public void Complete(TxLease lease)
        {
            _reg.Unregister();
            _core.SetResult(lease);
        }

        public void Fail(Exception e)
        {
            _reg.Unregister();
            _core.SetException(e);
        }

        public TxLease GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _reg = default;
                _owner.ReturnWaiter(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
