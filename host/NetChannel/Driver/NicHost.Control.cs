using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Wire;

namespace NetChannel.Driver;

// The control thread: management queue pair, channel life cycle with peers, timers, liveness.
public sealed unsafe partial class NicHost
{
    /// <summary>Management buffers: frame headers at 0, payload at 128 (docs/nic.md), 1024 bytes each.</summary>
    internal const int MgmtBufferBytes = 1024;
    internal const int MgmtPayloadOffset = 128;
    private const ushort NoChannel = 0xFFFF;

    private readonly ConcurrentQueue<object> _requests = new();
    private readonly ManualResetEventSlim _controlWake = new(false, 0);
    private Thread _control = null!;
    private volatile bool _controlStop;
    private DmaRegion _ctlEq = null!;
    private int _ctlEqLog, _ctlEqCons;

    private DmaRegion? _mgmtMem;
    private byte* _mTxRing, _mRxRing, _mCpl, _mTxBufs, _mRxBufs;
    private ulong _mTxBufsBus, _mRxBufsBus;
    private int _mLog, _mCplLog, _mTxProd, _mTxDone, _mRxProd, _mCplCons;
    private int[] _mRxSlot = [];   // management buffer posted at each management Rx ring slot
    private Completion[] _mBatch = null!;

    private readonly Dictionary<uint, PendingOpen> _pendingOpens = new();
    private readonly Dictionary<(uint Ip, ulong Host, uint Txn), Channel> _answered = new();
    private readonly Dictionary<uint, PeerState> _peers = new();
    private readonly Random _rng = new(unchecked((int)RandomNonZero64()));
    private uint _nextTxn;
    private ushort _ipId;
    private int _nextId;
    private bool _deviceFailureHandled;
    private long _mgmtSent, _mgmtReceived, _mgmtDropped;
    private readonly long[] _mgmtDrops = new long[(int)MgmtDrop.Count];
    private readonly long[] _openRefusals = new long[(int)OpenRefusal.Count];

    private enum MgmtDrop { Malformed, UnknownOperation, WrongIncarnation, NoMatchingExchange, FieldMismatch, Count }

    private enum OpenRefusal { NotAccepting, Malformed, PeerLimit, AcceptLimit, NoResources, Count }

    private void Drop(MgmtDrop why) => Interlocked.Increment(ref _mgmtDrops[(int)why]);

    private void Refused(OpenRefusal why) => Interlocked.Increment(ref _openRefusals[(int)why]);

    /// <summary>Management frames sent by this host.</summary>
    public long ManagementFramesSent => Volatile.Read(ref _mgmtSent);

    /// <summary>Management messages received and understood.</summary>
    public long ManagementFramesReceived => Volatile.Read(ref _mgmtReceived);

    /// <summary>Management messages not sent because the management Tx ring was full (they are retried by their exchange).</summary>
    public long ManagementFramesDropped => Volatile.Read(ref _mgmtDropped);

    /// <summary>Management frames received and dropped: malformed, for another incarnation, or matching no
    /// exchange (<see cref="ManagementCounters"/> has them by reason).</summary>
    public long ManagementFramesIgnored => DropsSoFar();

    /// <summary>Management frames by what became of them, and open requests refused by reason.</summary>
    public ManagementCounters ManagementCounters => new()
    {
        Sent = Volatile.Read(ref _mgmtSent), NotSent = Volatile.Read(ref _mgmtDropped), Received = Volatile.Read(ref _mgmtReceived),
        DroppedMalformed = Volatile.Read(ref _mgmtDrops[(int)MgmtDrop.Malformed]),
        DroppedUnknownOperation = Volatile.Read(ref _mgmtDrops[(int)MgmtDrop.UnknownOperation]),
        DroppedWrongIncarnation = Volatile.Read(ref _mgmtDrops[(int)MgmtDrop.WrongIncarnation]),
        DroppedNoMatchingExchange = Volatile.Read(ref _mgmtDrops[(int)MgmtDrop.NoMatchingExchange]),
        DroppedFieldMismatch = Volatile.Read(ref _mgmtDrops[(int)MgmtDrop.FieldMismatch]),
        OpensRefusedNotAccepting = Volatile.Read(ref _openRefusals[(int)OpenRefusal.NotAccepting]),
        OpensRefusedMalformed = Volatile.Read(ref _openRefusals[(int)OpenRefusal.Malformed]),
        OpensRefusedPeerLimit = Volatile.Read(ref _openRefusals[(int)OpenRefusal.PeerLimit]),
        OpensRefusedAcceptLimit = Volatile.Read(ref _openRefusals[(int)OpenRefusal.AcceptLimit]),
        OpensRefusedNoResources = Volatile.Read(ref _openRefusals[(int)OpenRefusal.NoResources]),
    };

    /// <summary>The last exception the control thread caught while handling a request or message (a driver bug; null normally).</summary>
    internal Exception? ControlError { get; private set; }

    // ---------------------------------------------------------------------------------------------
    // Requests from other threads
    // ---------------------------------------------------------------------------------------------
    internal sealed class OpenRequest(PeerAddress peer, ChannelClass cls)
    {
        public PeerAddress Peer { get; } = peer;
        public ChannelClass Class { get; } = cls;
        public TaskCompletionSource<Channel> Tcs { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public NicHost? Host { get; set; }
        public Channel? Channel { get; set; }
    }

    private sealed record CancelOpen(OpenRequest Request);
    private sealed record CloseRequest(Channel Channel);
    private sealed record AbortRequest(Channel Channel, NetChannelException Error, bool Notify, MgmtStatus? Status);
    private sealed record QuiescedNotice(Channel Channel);
    private sealed record ShutdownRequest(TaskCompletionSource Done);
    private sealed record PendingOpen(Channel Channel, OpenRequest Request);

    private sealed class PeerState(uint ip)
    {
        public uint Ip { get; } = ip;
        public ulong Mac;
        public ulong HostId;
        public long LastHeard;
        public long NextPing;
        public uint PingTxn;   // of the last PING sent: only its PONG may reveal a restart
    }

    private void Post(object request)
    {
        _requests.Enqueue(request);
        _controlWake.Set();
    }

    internal ValueTask CloseChannelAsync(Channel ch, CancellationToken ct)
    {
        if (ch.State is ChannelState.Closed or ChannelState.Failed && ch.Phase == Channel.LifePhase.Done) return default;
        if (IsDisposed) return default;
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? existing = Interlocked.CompareExchange(ref ch.CloseTcs, tcs, null);
        if (existing == null) Post(new CloseRequest(ch));
        Task t = (existing ?? tcs).Task;
        return new ValueTask(ct.CanBeCanceled ? t.WaitAsync(ct) : t);
    }

    internal void AbortChannel(Channel ch)
    {
        if (IsDisposed) return;
        Post(new AbortRequest(ch, new NetChannelException(NetChannelError.Closed, $"channel {ch.Id} was aborted by this host"), false, MgmtStatus.Ok));
    }

    /// <summary>Any thread (pollers): the channel failed; it goes down at once, the control thread tears it down.</summary>
    internal void FailChannel(Channel ch, NetChannelException error)
    {
        if (ch.SetDown(ChannelState.Failed, error))
            Post(new AbortRequest(ch, error, true, MgmtStatus.Failed));
    }

    /// <summary>Poller: the channel's last completion was consumed.</summary>
    internal void OnChannelQuiesced(Channel ch) => Post(new QuiescedNotice(ch));

    // ---------------------------------------------------------------------------------------------
    // Set-up
    // ---------------------------------------------------------------------------------------------
    private void InitControl()
    {
        _ctlEqLog = Math.Clamp(4, Caps.MinRingLog, Caps.MaxRingLog);
        _ctlEq = Device.AllocateDma(Event.Size << _ctlEqLog);
        _nextTxn = (uint)_rng.Next();
        _ipId = (ushort)_rng.Next();
        _control = new Thread(ControlLoop) { IsBackground = true, Name = "netchannel control" };
    }

    private static int Align(int n) => (n + 63) & ~63;

    private void InitManagementQueue()
    {
        _mLog = _o.ManagementRingLog;
        _mCplLog = _mLog + 1;
        int n = 1 << _mLog;
        int txRing = Align(n * TxDescriptor.Size), rxRing = Align(n * RxDescriptor.Size), cpl = Align((2 * n) * Completion.Size);
        int bufs = n * MgmtBufferBytes;
        _mgmtMem = Device.AllocateDma(txRing + rxRing + cpl + 2 * bufs);
        byte* b = _mgmtMem.Pointer;
        ulong bus = _mgmtMem.BusAddress;
        _mTxRing = b;
        _mRxRing = b + txRing;
        _mCpl = _mRxRing + rxRing;
        _mTxBufs = _mCpl + cpl;
        _mRxBufs = _mTxBufs + bufs;
        _mTxBufsBus = bus + (ulong)(txRing + rxRing + cpl);
        _mRxBufsBus = _mTxBufsBus + (ulong)bufs;
        _mBatch = new Completion[2 * n];
        _mRxSlot = new int[n];

        INicDevice d = Device;
        d.WriteRegister(Registers.MgmtTxRingLo, (uint)bus);
        d.WriteRegister(Registers.MgmtTxRingHi, (uint)(bus >> 32));
        d.WriteRegister(Registers.MgmtRxRingLo, (uint)(bus + (ulong)txRing));
        d.WriteRegister(Registers.MgmtRxRingHi, (uint)((bus + (ulong)txRing) >> 32));
        d.WriteRegister(Registers.MgmtCplRingLo, (uint)(bus + (ulong)(txRing + rxRing)));
        d.WriteRegister(Registers.MgmtCplRingHi, (uint)((bus + (ulong)(txRing + rxRing)) >> 32));
        d.WriteRegister(Registers.MgmtRingLog, new MgmtRingLogRegister { Tx = (byte)_mLog, Rx = (byte)_mLog, Cpl = (byte)_mCplLog }.Value);
        d.WriteRegister(Registers.MgmtCtrl, new MgmtCtrlRegister { Enable = true, Eq = (byte)ControlEventQueue }.Value);
        for (int i = 0; i < n; i++) PostMgmtRxBuffer(i);
        d.WriteRegister(Registers.MgmtDbRx, new MgmtDbRxRegister { Prod = (ushort)_mRxProd }.Value);
    }

    private void PostMgmtRxBuffer(int tag)
    {
        RxDescriptor r = default;
        r.Addr = _mRxBufsBus + (ulong)(tag * MgmtBufferBytes);
        r.Len = MgmtBufferBytes;
        r.Tag = (ushort)tag;
        r.Write(new Span<byte>(_mRxRing + (_mRxProd & ((1 << _mLog) - 1)) * RxDescriptor.Size, RxDescriptor.Size));
        _mRxSlot[_mRxProd & ((1 << _mLog) - 1)] = tag;
        _mRxProd++;
    }

    // ---------------------------------------------------------------------------------------------
    // The loop
    // ---------------------------------------------------------------------------------------------
    private void ControlLoop()
    {
        while (!_controlStop)
        {
            while (_requests.TryDequeue(out object? r))
            {
                if (r is ShutdownRequest s)
                {
                    Shutdown(s.Done);
                    return;
                }
                Guard(() => HandleRequest(r));
            }
            if (DeviceFailed)
            {
                if (!_deviceFailureHandled) Guard(HandleDeviceFailure);
            }
            else
            {
                Guard(ProcessManagement);
                Guard(() => RunTimers(Clock.GetTimestamp()));
                Guard(() => CheckHealth(Environment.TickCount64));
            }
            _controlWake.Reset();
            if (!DeviceFailed && !_mgmtArmed)
            {
                // Consume and arm the management completion ring and the control event queue, then look
                // once more, so no wake-up is lost. Both stay armed until an event fires.
                TryWrite(Registers.MgmtDbCpl, new MgmtDbCplRegister { Cons = (ushort)_mCplCons, Arm = true }.Value);
                TryWrite(Registers.EqArm, new EqArmRegister { Eq = (byte)ControlEventQueue, Cons = (ushort)_ctlEqCons }.Value);
                _mgmtArmed = true;
                if (MgmtCompletionPending()) continue;
            }
            if (!_requests.IsEmpty || _controlStop) continue;
            _controlWake.Wait(NextWait(Clock.GetTimestamp()));
        }
    }

    private bool _mgmtArmed;
    private long _nextHealthCheck;

    /// <summary>Reads ID_MAGIC and STATUS now and then: a vanished, all-ones or stopped device is a failed one.
    /// On the wall clock (milliseconds, <paramref name="now"/> = Environment.TickCount64): it is about the device
    /// itself, whose clock a dead device no longer advances.</summary>
    private void CheckHealth(long now)
    {
        if (_o.HealthCheckInterval == Timeout.InfiniteTimeSpan || now < _nextHealthCheck) return;
        _nextHealthCheck = now + (long)_o.HealthCheckInterval.TotalMilliseconds;
        uint magic = Device.ReadRegister(Registers.IdMagic);
        uint status = Device.ReadRegister(Registers.Status);
        if (magic != Spec.NicMagic)
            ReportDeviceFailure(new DeviceException($"{Device.Description}: ID_MAGIC reads 0x{magic:X8} (the device vanished or was reset)"));
        else if (!new StatusRegister(status).Running)
            ReportDeviceFailure(new DeviceException($"{Device.Description}: the NIC stopped running (STATUS 0x{status:X8})"));
    }

    private TimeSpan ControlTick => TimeSpan.FromMilliseconds(Math.Clamp(_o.RetryInterval.TotalMilliseconds / 4, 0.05, 20));

    /// <summary>The longest the control thread sleeps before it reads the device clock again (device time may
    /// run slower than the wall clock: a simulator's does).</summary>
    private static readonly TimeSpan MaxControlSleep = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the control thread may sleep: until its next deadline (device time <paramref name="now"/>,
    /// at the device's nominal speed, at most <see cref="MaxControlSleep"/>; the health check's on the wall clock;
    /// infinite when it has none).</summary>
    private TimeSpan NextWait(long now)
    {
        long next = long.MaxValue;
        foreach (Channel? ch in _table)
        {
            if (ch == null) continue;
            switch (ch.Phase)
            {
                case Channel.LifePhase.OpenRequested:
                case Channel.LifePhase.AwaitConfirm:
                case Channel.LifePhase.CloseSent:
                    next = Math.Min(next, Math.Min(ch.Deadline, ch.NextRetry));
                    break;
                case Channel.LifePhase.Draining:
                case Channel.LifePhase.PeerDraining:
                    // Draining ends when the Tx ring is empty, which raises nothing here: look every tick.
                    next = Math.Min(next, now + Clock.Ticks(ControlTick));
                    break;
            }
        }
        if (_o.LivenessTimeout != Timeout.InfiniteTimeSpan)
        {
            long timeout = Clock.Ticks(_o.LivenessTimeout);
            foreach (PeerState p in _peers.Values) next = Math.Min(next, Math.Min(p.NextPing, p.LastHeard + timeout + 1));
        }
        TimeSpan wait = Timeout.InfiniteTimeSpan;
        if (next != long.MaxValue)
        {
            double s = Math.Max(0, next - now) / (double)Clock.TimestampFrequency;
            wait = s >= MaxControlSleep.TotalSeconds ? MaxControlSleep : TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(s * 1000)));
        }
        if (_o.HealthCheckInterval != Timeout.InfiniteTimeSpan)
        {
            TimeSpan h = TimeSpan.FromMilliseconds(Math.Clamp(_nextHealthCheck - Environment.TickCount64, 1, int.MaxValue));
            if (wait == Timeout.InfiniteTimeSpan || h < wait) wait = h;
        }
        return wait;
    }

    private void Guard(Action a)
    {
        try
        {
            a();
        }
        catch (Exception e) when (e is DeviceException or ObjectDisposedException)
        {
            ReportDeviceFailure(e);
        }
        catch (Exception e)
        {
            ControlError = e; // a driver bug: keep the host alive, tests check that this stays null
        }
    }

    private void HandleRequest(object r)
    {
        long now = Clock.GetTimestamp();
        switch (r)
        {
            case OpenRequest o: StartOpen(o, now); break;
            case CancelOpen c:
                if (c.Request.Channel is { } ch && ch.Phase == Channel.LifePhase.OpenRequested)
                    Teardown(ch, ChannelState.Failed, new NetChannelException(NetChannelError.Closed, "the open was cancelled"), false, MgmtStatus.Ok);
                else if (c.Request.Channel == null) c.Request.Tcs.TrySetCanceled();
                break;
            case CloseRequest c: StartClose(c.Channel, now); break;
            case AbortRequest a:
                Teardown(a.Channel, ChannelState.Failed, a.Error, a.Notify, a.Status);
                break;
            case QuiescedNotice q: Finish(q.Channel); break;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Opening
    // ---------------------------------------------------------------------------------------------
    private int AllocateId()
    {
        for (int i = 0; i < _table.Length; i++)
        {
            int id = (_nextId + i) % _table.Length;
            if (_table[id] == null)
            {
                _nextId = (id + 1) % _table.Length; // do not reuse an id at once: late frames of its last user are harmless
                return id;
            }
        }
        return -1;
    }

    private Poller PickPoller(ChannelClass cls) =>
        cls == ChannelClass.Latency ? _latencyPoller : _throughputPollers[_nextThroughput++ % _throughputPollers.Length];

    private Channel? NewChannel(PeerAddress peer, ChannelClass cls, out NetChannelException? error)
    {
        error = null;
        int id = AllocateId();
        if (id < 0)
        {
            error = new NetChannelException(NetChannelError.NoResources, $"all {_table.Length} channels (MaxChannels) are in use");
            return null;
        }
        Channel ch;
        try
        {
            ch = new Channel(this, PickPoller(cls), id, peer, cls, _o);
        }
        catch (Exception e) when (e is OutOfMemoryException or DeviceException)
        {
            error = new NetChannelException(NetChannelError.NoResources, $"cannot allocate the memory of a channel: {e.Message}", e);
            return null;
        }
        ch.LocalPsn = (uint)_rng.NextInt64(0, 1L << 32);
        Volatile.Write(ref _table[id], ch);
        return ch;
    }

    /// <summary>A fresh transaction id: random (a peer's answer must name it, so an off-path sender cannot
    /// guess one), never 0, never one of an open still pending.</summary>
    private uint NextTxn()
    {
        uint t;
        do t = (uint)_rng.NextInt64(1, 1L << 32);
        while (t == _nextTxn || _pendingOpens.ContainsKey(t));
        return _nextTxn = t;
    }

    private void StartOpen(OpenRequest req, long now)
    {
        if (IsDisposed) { req.Tcs.TrySetException(ShutdownError()); return; }
        Channel? ch = NewChannel(req.Peer, req.Class, out NetChannelException? err);
        if (ch == null) { req.Tcs.TrySetException(err!); return; }
        req.Channel = ch;
        ch.OpenReq = req;
        ch.Phase = Channel.LifePhase.OpenRequested;
        ch.Txn = NextTxn();
        ch.UdpPort = (ushort)(49152 + _rng.Next(16384));
        ch.Deadline = now + Clock.Ticks(_o.OpenTimeout);
        ch.NextRetry = now + Clock.Ticks(_o.RetryInterval);
        _pendingOpens[ch.Txn] = new PendingOpen(ch, req);
        Send(ch.Peer, MgmtOp.OpenReq, MgmtStatus.Ok, ch.Txn, ch);
    }

    private void OnOpenRequest(PeerAddress from, in MgmtMessage m, long now)
    {
        var key = (from.Ip, m.HostId, m.Txn);
        if (_answered.TryGetValue(key, out Channel? dup))
        {
            // A retransmitted request: answer again with the same channel.
            if (dup.Phase is Channel.LifePhase.AwaitConfirm or Channel.LifePhase.Open) Send(dup.Peer, MgmtOp.OpenAck, MgmtStatus.Ok, dup.Txn, dup);
            return;
        }
        MgmtStatus refuse = MgmtStatus.Ok;
        if (IsDisposed) { refuse = MgmtStatus.Shutdown; Refused(OpenRefusal.NotAccepting); }
        else if (!_o.AcceptChannels) { refuse = MgmtStatus.Refused; Refused(OpenRefusal.NotAccepting); }
        else if (m.ChClass > 1 || m.MaxPayload == 0 || m.SrcChan == NoChannel || m.SrcChan >= 0x8000) { refuse = MgmtStatus.BadRequest; Refused(OpenRefusal.Malformed); }
        else
        {
            CountAccepted(from.Ip, out int fromPeer, out int all);
            if (fromPeer >= _o.EffectiveMaxChannelsPerPeer) { refuse = MgmtStatus.NoResources; Refused(OpenRefusal.PeerLimit); }
            else if (all >= _o.EffectiveMaxAcceptedChannels) { refuse = MgmtStatus.NoResources; Refused(OpenRefusal.AcceptLimit); }
        }
        Channel? ch = null;
        if (refuse == MgmtStatus.Ok)
        {
            ch = NewChannel(from, (ChannelClass)m.ChClass, out _);
            if (ch == null) { refuse = MgmtStatus.NoResources; Refused(OpenRefusal.NoResources); }
        }
        if (ch == null)
        {
            SendTo(from, MgmtOp.OpenNak, refuse, m.Txn, NoChannel, m.SrcChan, m.HostId);
            return;
        }
        ch.Accepted = true;
        ch.Phase = Channel.LifePhase.AwaitConfirm;
        ch.Txn = m.Txn;
        ch.PeerChannel = m.SrcChan;
        ch.PeerPsn = m.SrcPsn;
        ch.PeerHostId = m.HostId;
        ch.UdpPort = m.UdpPort;
        ch.MaxPayload = (int)Math.Min((uint)ch.LocalMaxPayload, m.MaxPayload);
        try
        {
            OpenInNic(ch);
            ch.EverInNic = true;
        }
        catch (DeviceException)
        {
            Refused(OpenRefusal.NoResources);
            SendTo(from, MgmtOp.OpenNak, MgmtStatus.NoResources, m.Txn, NoChannel, m.SrcChan, m.HostId);
            Teardown(ch, ChannelState.Failed, new NetChannelException(NetChannelError.DeviceFailure, "the NIC refused the channel"), false, null);
            return;
        }
        ch.AnsweredKey = key;
        _answered[key] = ch;
        ch.Deadline = now + Clock.Ticks(_o.OpenTimeout);
        ch.NextRetry = now + Clock.Ticks(_o.RetryInterval);
        Send(ch.Peer, MgmtOp.OpenAck, MgmtStatus.Ok, ch.Txn, ch);
    }

    private void OnOpenAck(PeerAddress from, in MgmtMessage m, long now)
    {
        if (!_pendingOpens.TryGetValue(m.Txn, out PendingOpen? p) || p.Channel.Peer.Ip != from.Ip)
        {
            // A repeated ACK for an open that completed: the CONFIRM was lost, send it again.
            Channel? done = Lookup(m.DstChan);
            if (done != null && done.Peer.Ip == from.Ip && done.Txn == m.Txn && done.PeerChannel == m.SrcChan && done.Phase >= Channel.LifePhase.Open)
            {
                Send(done.Peer, MgmtOp.OpenConfirm, MgmtStatus.Ok, done.Txn, done);
                return;
            }
            Drop(MgmtDrop.NoMatchingExchange);
            if (done == null || done.Txn != m.Txn)
                SendTo(from, MgmtOp.Abort, MgmtStatus.UnknownChannel, m.Txn, m.DstChan, m.SrcChan, m.HostId); // we gave up on it
            return;
        }
        Channel ch = p.Channel;
        if (m.DstChan != ch.Id || m.DstPsn != ch.LocalPsn || m.SrcChan == NoChannel || m.SrcChan >= 0x8000 || m.MaxPayload == 0)
        {
            Drop(MgmtDrop.FieldMismatch);
            return;
        }
        _pendingOpens.Remove(m.Txn);
        ch.PeerChannel = m.SrcChan;
        ch.PeerPsn = m.SrcPsn;
        ch.PeerHostId = m.HostId;
        ch.MaxPayload = (int)Math.Min((uint)ch.LocalMaxPayload, m.MaxPayload);
        try
        {
            OpenInNic(ch);
            ch.EverInNic = true;
        }
        catch (DeviceException e)
        {
            Teardown(ch, ChannelState.Failed, new NetChannelException(NetChannelError.DeviceFailure, $"the NIC refused the channel: {e.Message}", e), false, MgmtStatus.NoResources);
            return;
        }
        ch.OpenReq = null;
        BindPeer(ch, now);
        ch.Phase = Channel.LifePhase.Open;
        ch.TrySetState(ChannelState.Opening, ChannelState.Open);
        ch.ReportedOpen = true;
        NotifyOpened(ch);
        ch.EnableRx();
        Send(ch.Peer, MgmtOp.OpenConfirm, MgmtStatus.Ok, ch.Txn, ch);
        p.Request.Tcs.TrySetResult(ch);
    }

    private void OnOpenNak(PeerAddress from, in MgmtMessage m)
    {
        if (!_pendingOpens.TryGetValue(m.Txn, out PendingOpen? p) || p.Channel.Peer.Ip != from.Ip)
        {
            Drop(MgmtDrop.NoMatchingExchange);
            return;
        }
        string who = from.ToString();
        NetChannelException e = m.Status switch
        {
            MgmtStatus.NoResources => new NetChannelException(NetChannelError.NoResources, $"{who} has no free channel"),
            MgmtStatus.BadRequest => new NetChannelException(NetChannelError.ProtocolError, $"{who} rejected the open request as malformed"),
            MgmtStatus.Shutdown => new NetChannelException(NetChannelError.ConnectionRefused, $"{who} is shutting down"),
            _ => new NetChannelException(NetChannelError.ConnectionRefused, $"{who} refused the channel"),
        };
        Teardown(p.Channel, ChannelState.Failed, e, false, null);
    }

    private void OnOpenConfirm(PeerAddress from, in MgmtMessage m, long now)
    {
        Channel? ch = Lookup(m.DstChan);
        if (ch == null || ch.Peer.Ip != from.Ip || ch.PeerHostId != m.HostId)
        {
            Drop(MgmtDrop.NoMatchingExchange);
            return;
        }
        if (ch.PeerChannel != m.SrcChan || ch.Txn != m.Txn || m.DstPsn != ch.LocalPsn)
        {
            Drop(MgmtDrop.FieldMismatch);
            return;
        }
        if (ch.Phase != Channel.LifePhase.AwaitConfirm) return; // repeated
        BindPeer(ch, now);
        ch.Phase = Channel.LifePhase.Open;
        ch.TrySetState(ChannelState.Opening, ChannelState.Open);
        ch.ReportedOpen = true;
        NotifyOpened(ch);
        ch.EnableRx();
    }

    private void NotifyOpened(Channel ch)
    {
        try
        {
            Sink.OnChannelOpened(ch);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref ch.Counters._sinkExceptions);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Closing and tearing down
    // ---------------------------------------------------------------------------------------------
    private void StartClose(Channel ch, long now)
    {
        switch (ch.Phase)
        {
            case Channel.LifePhase.OpenRequested:
            case Channel.LifePhase.AwaitConfirm:
                Teardown(ch, ChannelState.Closed, new NetChannelException(NetChannelError.Closed, $"channel {ch.Id} was closed by this host"), false, MgmtStatus.Ok);
                break;
            case Channel.LifePhase.Open:
                if (!ch.TrySetState(ChannelState.Open, ChannelState.Closing)) break; // it failed meanwhile: the teardown completes the close
                ch.Phase = Channel.LifePhase.Draining;
                ch.Deadline = now + Clock.Ticks(_o.CloseTimeout);
                break;
            case Channel.LifePhase.Done:
                ch.CloseTcs?.TrySetResult();
                break;
            default:
                break; // already closing or tearing down: completes at the end
        }
    }

    private void OnCloseRequest(PeerAddress from, in MgmtMessage m, long now)
    {
        Channel? ch = Lookup(m.DstChan);
        if (ch == null || ch.Peer.Ip != from.Ip || ch.PeerHostId != m.HostId || ch.PeerChannel != m.SrcChan || ch.Phase >= Channel.LifePhase.TearingDown)
        {
            // Not (or no longer) ours: closing is idempotent, so agree.
            Drop(MgmtDrop.NoMatchingExchange);
            SendTo(from, MgmtOp.CloseAck, MgmtStatus.Ok, m.Txn, m.DstChan, m.SrcChan, m.HostId);
            return;
        }
        switch (ch.Phase)
        {
            case Channel.LifePhase.Open:
                ch.TrySetState(ChannelState.Open, ChannelState.Closing);
                ch.Phase = Channel.LifePhase.PeerDraining;
                ch.PeerCloseTxn = m.Txn;
                ch.Deadline = now + Clock.Ticks(_o.CloseTimeout);
                break;
            case Channel.LifePhase.Draining:
                ch.Phase = Channel.LifePhase.PeerDraining; // both sides close: ack theirs once we drained
                ch.PeerCloseTxn = m.Txn;
                break;
            case Channel.LifePhase.CloseSent:
                // Both sides drained and asked: agree, and we are done too.
                SendTo(from, MgmtOp.CloseAck, MgmtStatus.Ok, m.Txn, (ushort)ch.Id, m.SrcChan, m.HostId);
                Teardown(ch, ChannelState.Closed, new NetChannelException(NetChannelError.Closed, $"channel {ch.Id} was closed"), false, null);
                break;
            case Channel.LifePhase.AwaitConfirm:
                Teardown(ch, ChannelState.Closed, new NetChannelException(NetChannelError.ClosedByPeer, $"channel {ch.Id} was closed by {from}"), false, null);
                SendTo(from, MgmtOp.CloseAck, MgmtStatus.Ok, m.Txn, (ushort)ch.Id, m.SrcChan, m.HostId);
                break;
        }
    }

    private void OnCloseAck(PeerAddress from, in MgmtMessage m)
    {
        Channel? ch = Lookup(m.DstChan);
        if (ch == null || ch.Peer.Ip != from.Ip || ch.PeerHostId != m.HostId || ch.Phase != Channel.LifePhase.CloseSent || ch.Txn != m.Txn)
        {
            Drop(MgmtDrop.NoMatchingExchange);
            return;
        }
        Teardown(ch, ChannelState.Closed, new NetChannelException(NetChannelError.Closed, $"channel {ch.Id} was closed"), false, null);
    }

    /// <summary>An ABORT takes a channel down only when it names the channel as only its peer can: a channel
    /// past its open by both channel ids and the peer's host id; an open this host asked for by its (random)
    /// transaction, addressed to this incarnation; an open this host answered by the requester's host id and
    /// transaction.</summary>
    private void OnAbort(PeerAddress from, in MgmtMessage m, bool addressed)
    {
        Channel? ch = null;
        if (m.DstChan != NoChannel && addressed)
        {
            Channel? c = Lookup(m.DstChan);
            if (c != null && c.Peer.Ip == from.Ip
                && (c.Phase == Channel.LifePhase.OpenRequested ? c.Txn == m.Txn : c.PeerChannel == m.SrcChan && c.PeerHostId == m.HostId)) ch = c;
        }
        if (ch == null && _answered.TryGetValue((from.Ip, m.HostId, m.Txn), out Channel? a)) ch = a;
        if (ch == null && addressed && _pendingOpens.TryGetValue(m.Txn, out PendingOpen? p) && p.Channel.Peer.Ip == from.Ip) ch = p.Channel;
        if (ch == null)
        {
            Drop(MgmtDrop.NoMatchingExchange);
            return;
        }
        if (ch.Phase >= Channel.LifePhase.TearingDown) return;
        NetChannelError err = ch.Phase == Channel.LifePhase.OpenRequested ? NetChannelError.ConnectionRefused : NetChannelError.AbortedByPeer;
        Teardown(ch, ChannelState.Failed, new NetChannelException(err, $"channel {ch.Id} was aborted by {from} ({m.Status})"), true, null);
    }

    /// <summary>
    /// Takes a channel down: it stops accepting messages, the peer is told (ABORT) when <paramref name="abort"/>
    /// is set, the NIC closes it, and the poller finishes it once the NIC's last completion is consumed.
    /// </summary>
    private void Teardown(Channel ch, ChannelState terminal, NetChannelException error, bool notify, MgmtStatus? abort)
    {
        if (ch.TornDown) return;
        ch.TornDown = true;
        ch.SetDown(terminal, error);
        if (abort is MgmtStatus st && !DeviceFailed && !IsDisposedForSend)
            Send(ch.Peer, MgmtOp.Abort, st, ch.Txn, ch);
        if (ch.Phase == Channel.LifePhase.OpenRequested) _pendingOpens.Remove(ch.Txn);
        if (ch.OpenReq is { } req)
        {
            ch.OpenReq = null;
            req.Tcs.TrySetException(ch.DownReason ?? error);
        }
        ch.NotifyDown = notify && ch.ReportedOpen;
        ch.Phase = Channel.LifePhase.TearingDown;
        if (!ch.EverInNic)
        {
            ch.RetireMemory();
            Finish(ch);
            return;
        }
        if (DeviceFailed)
        {
            ch.ForceQuiesce();
            return;
        }
        try
        {
            ushort last = CloseInNic(ch);
            ch.SetFinalCompletion(last);
        }
        catch (Exception e) when (e is DeviceException or ObjectDisposedException)
        {
            ReportDeviceFailure(e);
            ch.ForceQuiesce();
        }
    }

    private bool IsDisposedForSend => _controlStop;

    private void Finish(Channel ch)
    {
        if (ch.Phase == Channel.LifePhase.Done) return;
        ch.Phase = Channel.LifePhase.Done;
        if (ch.Id < _table.Length && ReferenceEquals(_table[ch.Id], ch)) Volatile.Write(ref _table[ch.Id], null);
        if (ch.AnsweredKey is { } k) _answered.Remove(k);
        ch.CloseTcs?.TrySetResult();
    }

    // ---------------------------------------------------------------------------------------------
    // Timers and liveness
    // ---------------------------------------------------------------------------------------------
    private void RunTimers(long now)
    {
        long retry = Clock.Ticks(_o.RetryInterval);
        foreach (Channel? ch in _table)
        {
            if (ch == null) continue;
            switch (ch.Phase)
            {
                case Channel.LifePhase.OpenRequested:
                    if (now >= ch.Deadline)
                        Teardown(ch, ChannelState.Failed, new NetChannelException(NetChannelError.TimedOut, $"{ch.Peer} did not answer the open within {_o.OpenTimeout.TotalMilliseconds} ms of device time"), false, MgmtStatus.Timeout);
                    else if (now >= ch.NextRetry)
                    {
                        Send(ch.Peer, MgmtOp.OpenReq, MgmtStatus.Ok, ch.Txn, ch);
                        ch.NextRetry = now + retry;
                    }
                    break;
                case Channel.LifePhase.AwaitConfirm:
                    if (now >= ch.Deadline)
                        Teardown(ch, ChannelState.Failed, new NetChannelException(NetChannelError.TimedOut, $"{ch.Peer} never confirmed the channel"), false, MgmtStatus.Timeout);
                    else if (now >= ch.NextRetry)
                    {
                        Send(ch.Peer, MgmtOp.OpenAck, MgmtStatus.Ok, ch.Txn, ch);
                        ch.NextRetry = now + retry;
                    }
                    break;
                case Channel.LifePhase.Draining:
                    if (ch.IsDrained || now >= ch.Deadline)
                    {
                        ch.Phase = Channel.LifePhase.CloseSent;
                        ch.Txn = NextTxn();
                        ch.Deadline = now + Clock.Ticks(_o.CloseTimeout);
                        ch.NextRetry = now + retry;
                        Send(ch.Peer, MgmtOp.CloseReq, MgmtStatus.Ok, ch.Txn, ch);
                    }
                    break;
                case Channel.LifePhase.CloseSent:
                    if (now >= ch.Deadline)
                        Teardown(ch, ChannelState.Closed, new NetChannelException(NetChannelError.TimedOut, $"{ch.Peer} did not answer the close; closed locally"), false, MgmtStatus.Timeout);
                    else if (now >= ch.NextRetry)
                    {
                        Send(ch.Peer, MgmtOp.CloseReq, MgmtStatus.Ok, ch.Txn, ch);
                        ch.NextRetry = now + retry;
                    }
                    break;
                case Channel.LifePhase.PeerDraining:
                    if (ch.IsDrained || now >= ch.Deadline)
                    {
                        SendTo(ch.Peer, MgmtOp.CloseAck, MgmtStatus.Ok, ch.PeerCloseTxn, (ushort)ch.Id, ch.PeerChannel, ch.PeerHostId);
                        bool local = Volatile.Read(ref ch.CloseTcs) != null;
                        Teardown(ch, ChannelState.Closed, new NetChannelException(NetChannelError.ClosedByPeer, $"channel {ch.Id} was closed by {ch.Peer}"), !local, null);
                    }
                    break;
            }
        }
        if (_o.LivenessTimeout == Timeout.InfiniteTimeSpan || _peers.Count == 0) return;
        long timeout = Clock.Ticks(_o.LivenessTimeout);
        long keepAlive = Clock.Ticks(_o.EffectiveKeepAlive);
        List<uint>? idle = null;
        foreach (PeerState p in _peers.Values)
        {
            int bound = 0;
            foreach (Channel? ch in _table)
                if (ch != null && ch.Peer.Ip == p.Ip && ch.Phase is >= Channel.LifePhase.Open and < Channel.LifePhase.TearingDown) bound++;
            if (bound == 0)
            {
                (idle ??= new List<uint>()).Add(p.Ip);
                continue;
            }
            if (now - p.LastHeard > timeout)
            {
                var err = new NetChannelException(NetChannelError.PeerUnreachable, $"{MacAddress.FormatIpv4(p.Ip)} sent nothing for {Clock.Milliseconds(now - p.LastHeard):0.###} ms of device time (liveness timeout {_o.LivenessTimeout.TotalMilliseconds} ms)");
                foreach (Channel? ch in _table)
                    if (ch != null && ch.Peer.Ip == p.Ip && ch.Phase is >= Channel.LifePhase.Open and < Channel.LifePhase.TearingDown)
                        Teardown(ch, ChannelState.Failed, err, true, MgmtStatus.Timeout);
                p.LastHeard = now; // start afresh should channels to it be opened again
            }
            else if (now >= p.NextPing)
            {
                p.PingTxn = NextTxn();
                SendTo(new PeerAddress(p.Mac, p.Ip), MgmtOp.Ping, MgmtStatus.Ok, p.PingTxn, NoChannel, NoChannel, p.HostId);
                p.NextPing = now + keepAlive;
            }
        }
        if (idle != null) foreach (uint ip in idle) _peers.Remove(ip);
    }

    private void BindPeer(Channel ch, long now)
    {
        if (!_peers.TryGetValue(ch.Peer.Ip, out PeerState? p))
        {
            p = new PeerState(ch.Peer.Ip) { LastHeard = now };
            _peers[ch.Peer.Ip] = p;
        }
        p.Mac = ch.Peer.Mac;
        p.HostId = ch.PeerHostId;
        p.NextPing = now + Clock.Ticks(_o.EffectiveKeepAlive);
    }

    // ---------------------------------------------------------------------------------------------
    // Management queue
    // ---------------------------------------------------------------------------------------------
    private bool MgmtCompletionPending()
    {
        byte* e = _mCpl + (_mCplCons & ((1 << _mCplLog) - 1)) * Completion.Size;
        byte expected = ((_mCplCons >> _mCplLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        return (Volatile.Read(ref e[Completion.Size - 1]) & Spec.PhaseBit) == expected;
    }

    private void ProcessManagement()
    {
        // The control event queue only says "look at the management ring": consume its entries.
        while (true)
        {
            byte* e = _ctlEq.Pointer + (_ctlEqCons & ((1 << _ctlEqLog) - 1)) * Event.Size;
            byte expected = ((_ctlEqCons >> _ctlEqLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
            if ((Volatile.Read(ref e[Event.Size - 1]) & Spec.PhaseBit) != expected) break;
            _ctlEqCons++;
            _mgmtArmed = false; // an event fired: both the ring and the queue are disarmed now
        }
        while (MgmtCompletionPending())
        {
            int n = 0;
            while (n < _mBatch.Length && MgmtCompletionPending())
            {
                _mBatch[n++] = Completion.Read(new ReadOnlySpan<byte>(_mCpl + (_mCplCons & ((1 << _mCplLog) - 1)) * Completion.Size, Completion.Size));
                _mCplCons++;
            }
            // Return the completion slots before any Tx or Rx slot is reused.
            TryWrite(Registers.MgmtDbCpl, new MgmtDbCplRegister { Cons = (ushort)_mCplCons }.Value);
            _mgmtArmed = false;
            int reposted = 0;
            long now = Clock.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                ref Completion c = ref _mBatch[i];
                if (c.Kind == CompletionKind.MgmtTx)
                {
                    _mTxDone++;
                    continue;
                }
                if (c.Kind != CompletionKind.MgmtRx) { Drop(MgmtDrop.Malformed); continue; }
                // The buffer posted at that ring slot (a completion of a descriptor the NIC could not read has no tag).
                int tag = _mRxSlot[c.Index & ((1 << _mLog) - 1)];
                if (c.Status == CompletionStatus.Ok && c.Len >= MgmtMessage.Size)
                {
                    byte* buf = _mRxBufs + tag * MgmtBufferBytes;
                    FrameHeader h = FrameHeader.Read(new ReadOnlySpan<byte>(buf, FrameHeader.Size));
                    MgmtMessage m = MgmtMessage.Read(new ReadOnlySpan<byte>(buf + MgmtPayloadOffset, MgmtMessage.Size));
                    Guard(() => HandleMessage(new PeerAddress(h.Eth.Src, h.Ipv4.Src), m, now));
                }
                else Drop(MgmtDrop.Malformed);
                PostMgmtRxBuffer(tag);
                reposted++;
            }
            if (reposted > 0) TryWrite(Registers.MgmtDbRx, new MgmtDbRxRegister { Prod = (ushort)_mRxProd }.Value);
        }
    }

    /// <summary>
    /// One management message from <paramref name="from"/>. Every message but an open request must name this
    /// host's incarnation (peer_host_id = <see cref="HostId"/>, a random 64-bit value only a peer that heard
    /// from this host knows); an ABORT of an open the sender itself asked for may leave it 0 (it is then
    /// matched by the sender's host id and transaction). Only such addressed messages teach the neighbour
    /// table; only those from the peer's known incarnation count as signs of life; and only a PONG that echoes
    /// the random transaction of our last PING reveals a restart — so a sender who forges a peer's addresses
    /// can neither take its channels down nor keep a dead one alive.
    /// </summary>
    private void HandleMessage(PeerAddress from, MgmtMessage m, long now)
    {
        if (m.Version != MgmtMessage.VersionValue || m.HostId == 0 || from.Ip == 0 || from.Mac == 0 || (from.Mac & (1UL << 40)) != 0)
        {
            Drop(MgmtDrop.Malformed);
            return;
        }
        if (m.Op is < MgmtOp.OpenReq or > MgmtOp.Pong)
        {
            Drop(MgmtDrop.UnknownOperation);
            return;
        }
        bool addressed = m.PeerHostId == HostId;
        if (!addressed && m.Op != MgmtOp.OpenReq && !(m.Op == MgmtOp.Abort && m.PeerHostId == 0))
        {
            Drop(MgmtDrop.WrongIncarnation);
            // Meant for an earlier incarnation of this host: tell the sender its channel is gone, and answer
            // a probe, so the sender learns our new host id (that is how it detects our restart at once).
            if (m.PeerHostId != 0)
            {
                if (m.Op is MgmtOp.CloseReq or MgmtOp.OpenConfirm or MgmtOp.OpenAck)
                    SendTo(from, MgmtOp.Abort, MgmtStatus.UnknownChannel, m.Txn, m.DstChan, m.SrcChan, m.HostId);
                else if (m.Op == MgmtOp.Ping)
                    SendTo(from, MgmtOp.Pong, MgmtStatus.Ok, m.Txn, NoChannel, NoChannel, m.HostId);
            }
            return;
        }
        if (addressed)
        {
            if (!_staticNeighbors.Contains(from.Ip)) _neighbors[from.Ip] = from.Mac;
            if (_peers.TryGetValue(from.Ip, out PeerState? peer))
            {
                if (peer.HostId != 0 && peer.HostId != m.HostId && m.Op == MgmtOp.Pong && peer.PingTxn != 0 && m.Txn == peer.PingTxn)
                {
                    // The peer restarted: a new incarnation answered our last PING (it echoes the PING's random
                    // transaction and our host id, so it saw the PING). Every channel to the previous one is gone.
                    var err = new NetChannelException(NetChannelError.PeerUnreachable, $"{from} restarted");
                    foreach (Channel? ch in _table)
                        if (ch != null && ch.Peer.Ip == from.Ip && ch.PeerHostId == peer.HostId && ch.Phase < Channel.LifePhase.TearingDown)
                            Teardown(ch, ChannelState.Failed, err, true, null);
                    peer.HostId = m.HostId;
                }
                if (peer.HostId == m.HostId)
                {
                    peer.LastHeard = now;   // a sign of life of the incarnation the channels belong to
                    peer.Mac = from.Mac;
                }
            }
        }
        long dropped = DropsSoFar();
        switch (m.Op)
        {
            case MgmtOp.OpenReq: OnOpenRequest(from, in m, now); break;
            case MgmtOp.OpenAck: OnOpenAck(from, in m, now); break;
            case MgmtOp.OpenNak: OnOpenNak(from, in m); break;
            case MgmtOp.OpenConfirm: OnOpenConfirm(from, in m, now); break;
            case MgmtOp.CloseReq: OnCloseRequest(from, in m, now); break;
            case MgmtOp.CloseAck: OnCloseAck(from, in m); break;
            case MgmtOp.Abort: OnAbort(from, in m, addressed); break;
            case MgmtOp.Ping: SendTo(from, MgmtOp.Pong, MgmtStatus.Ok, m.Txn, NoChannel, NoChannel, m.HostId); break;
            case MgmtOp.Pong: break;
        }
        if (DropsSoFar() == dropped) Interlocked.Increment(ref _mgmtReceived);
    }

    private long DropsSoFar()
    {
        long n = 0;
        for (int i = 0; i < _mgmtDrops.Length; i++) n += Volatile.Read(ref _mgmtDrops[i]);
        return n;
    }

    /// <summary>Channels <paramref name="ip"/> opened to this host, and all peers together, that still hold a channel.</summary>
    private void CountAccepted(uint ip, out int fromPeer, out int all)
    {
        fromPeer = all = 0;
        foreach (Channel? ch in _table)
        {
            if (ch == null || !ch.Accepted) continue;
            all++;
            if (ch.Peer.Ip == ip) fromPeer++;
        }
    }

    /// <summary>Sends a message about <paramref name="ch"/> (fields from its state).</summary>
    private void Send(PeerAddress to, MgmtOp op, MgmtStatus st, uint txn, Channel ch)
    {
        MgmtMessage m = default;
        m.Op = op;
        m.Status = st;
        m.ChClass = (byte)ch.Class;
        m.Txn = txn;
        m.SrcChan = (ushort)ch.Id;
        m.DstChan = ch.PeerChannel;
        m.UdpPort = ch.UdpPort;
        m.SrcPsn = ch.LocalPsn;
        m.DstPsn = ch.PeerPsn;
        m.MaxPayload = (uint)ch.LocalMaxPayload;
        m.RxBuffers = 1u << ch.RxLog;
        // An open request names no incarnation of the peer (a fresh open is valid whoever answers it).
        m.PeerHostId = op == MgmtOp.OpenReq ? 0 : ch.PeerHostId;
        Transmit(to, ref m);
    }

    private void SendTo(PeerAddress to, MgmtOp op, MgmtStatus st, uint txn, ushort srcChan, ushort dstChan, ulong peerHostId)
    {
        MgmtMessage m = default;
        m.Op = op;
        m.Status = st;
        m.Txn = txn;
        m.SrcChan = srcChan;
        m.DstChan = dstChan;
        m.PeerHostId = peerHostId;
        Transmit(to, ref m);
    }

    private void Transmit(PeerAddress to, ref MgmtMessage m)
    {
        if (DeviceFailed) return;
        int n = 1 << _mLog;
        if (_mTxProd - _mTxDone >= n)
        {
            Interlocked.Increment(ref _mgmtDropped);
            return;
        }
        m.Version = MgmtMessage.VersionValue;
        m.HostId = HostId;
        int k = _mTxProd & (n - 1);
        byte* buf = _mTxBufs + k * MgmtBufferBytes;
        FrameHeader h = default;
        h.Eth.Dst = to.Mac;
        h.Eth.Src = _o.Mac;
        h.Ipv4.Tos = 0xC0; // CS6: network control
        h.Ipv4.Id = ++_ipId;
        h.Ipv4.Ttl = Spec.Ipv4DefaultTtl;
        h.Ipv4.Src = _o.Ip;
        h.Ipv4.Dst = to.Ip;
        h.Udp.SrcPort = Spec.UdpPort;
        h.Cth.Opcode = ChannelOpcode.Mgmt;
        h.Cth.DstChan = m.DstChan;
        h.Cth.SrcChan = m.SrcChan;
        h.Nc.MsgType = NetChannelType.None;
        FrameBuilder.WriteHeader(new Span<byte>(buf, FrameHeader.Size), in h, MgmtMessage.Size);
        m.Write(new Span<byte>(buf + MgmtPayloadOffset, MgmtMessage.Size));
        TxDescriptor d = default;
        d.Addr = _mTxBufsBus + (ulong)(k * MgmtBufferBytes);
        d.Len = MgmtMessage.Size;
        d.Tag = (ushort)k;
        d.Write(new Span<byte>(_mTxRing + k * TxDescriptor.Size, TxDescriptor.Size));
        _mTxProd++;
        TryWrite(Registers.MgmtDbTx, new MgmtDbTxRegister { Prod = (ushort)_mTxProd }.Value);
        Interlocked.Increment(ref _mgmtSent);
    }

    // ---------------------------------------------------------------------------------------------
    // Failure and shutdown
    // ---------------------------------------------------------------------------------------------
    private void HandleDeviceFailure()
    {
        _deviceFailureHandled = true;
        var err = new NetChannelException(NetChannelError.DeviceFailure, $"{Device.Description} failed: {_deviceError?.Message}", _deviceError);
        foreach (Channel? ch in _table)
            if (ch != null && ch.Phase < Channel.LifePhase.TearingDown) Teardown(ch, ChannelState.Failed, err, true, null);
    }

    private NetChannelException ShutdownError() => new(NetChannelError.Shutdown, "the host was disposed");

    private void Shutdown(TaskCompletionSource done)
    {
        try
        {
            NetChannelException err = ShutdownError();
            while (_requests.TryDequeue(out object? r))
                if (r is OpenRequest o) o.Tcs.TrySetException(err);
            foreach (Channel? ch in _table)
            {
                if (ch == null || ch.Phase == Channel.LifePhase.Done) continue;
                if (!DeviceFailed && ch.Phase < Channel.LifePhase.TearingDown && (ch.PeerChannel != NoChannel || ch.Phase == Channel.LifePhase.OpenRequested))
                    Send(ch.Peer, MgmtOp.Abort, MgmtStatus.Shutdown, ch.Txn, ch);
                ch.NotifyDown = false;
                ch.SetDown(ChannelState.Failed, err);
                if (ch.OpenReq is { } req) req.Tcs.TrySetException(err);
                ch.CloseTcs?.TrySetResult();
            }
            if (!DeviceFailed)
            {
                // Give the ABORTs a moment to leave (1 ms of device time, and 2 s of wall time at most should
                // the device's clock stand still), then switch the NIC off.
                long until = Clock.GetTimestamp() + Clock.Ticks(TimeSpan.FromMilliseconds(1)), wallUntil = Environment.TickCount64 + 2000;
                while (_mTxDone != _mTxProd && Clock.GetTimestamp() < until && Environment.TickCount64 < wallUntil)
                {
                    ProcessManagementTxOnly();
                    Thread.Sleep(1);
                }
                foreach (Channel? ch in _table)
                    if (ch != null && ch.NicOpen)
                        try { CloseInNic(ch); } catch (DeviceException) { break; }
                Device.WriteRegister(Registers.Ctrl, 0);
                Device.WriteRegister(Registers.MgmtCtrl, 0);
                for (int q = 0; q < 2 + _throughputPollers.Length; q++) Device.WriteRegister(Registers.EqCmd, new EqCmdRegister { Eq = (byte)q }.Value);
            }
        }
        catch (Exception e) when (e is DeviceException or ObjectDisposedException)
        {
            // The device is gone: nothing more to switch off.
        }
        finally
        {
            _controlStop = true;
            done.TrySetResult();
        }
    }

    private void ProcessManagementTxOnly()
    {
        while (MgmtCompletionPending())
        {
            Completion c = Completion.Read(new ReadOnlySpan<byte>(_mCpl + (_mCplCons & ((1 << _mCplLog) - 1)) * Completion.Size, Completion.Size));
            _mCplCons++;
            if (c.Kind == CompletionKind.MgmtTx) _mTxDone++;
        }
        TryWrite(Registers.MgmtDbCpl, new MgmtDbCplRegister { Cons = (ushort)_mCplCons }.Value);
    }
}
