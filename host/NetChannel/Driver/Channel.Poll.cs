using System;
using System.Threading;
using NetChannel.Wire;

namespace NetChannel.Driver;

// The poller's side of a channel: completion ring consumer, Rx ring producer, quiescence. Everything here
// runs on the channel's poller thread, except the few members marked otherwise.
public sealed unsafe partial class Channel
{
    private int _cplCons;        // completions consumed
    private int _txDone;         // Tx completions seen (published to _txCompleted after DB_CPL)
    private int _rxProd, _rxCons;
    private bool _starvedEpisode, _quiesced;
    private int _rxEnabled;      // set by the control thread once the peer may send
    private int _rxStarved;      // the ring wants buffers the pool does not have (read by releasing threads)
    private int _finalCpl = -1;  // final completion producer index after the NIC close, when known
    private int _forceQuiesce;
    internal int KickPending;    // in the poller's kick queue (any thread)
    internal bool InActive;      // in the poller's active list
    internal volatile bool NotifyDown;

    /// <summary>Control thread: the peer may send now; post the receive buffers.</summary>
    internal void EnableRx()
    {
        Volatile.Write(ref _rxEnabled, 1);
        Poller.Kick(this);
    }

    /// <summary>Control thread: the NIC closed the channel; <paramref name="finalProducer"/> is its last completion index.</summary>
    internal void SetFinalCompletion(ushort finalProducer)
    {
        Volatile.Write(ref _rxEnabled, 0);
        Volatile.Write(ref _finalCpl, finalProducer);
        Poller.Kick(this);
    }

    /// <summary>Control thread: the device is gone; stop using the channel's rings now.</summary>
    internal void ForceQuiesce()
    {
        Volatile.Write(ref _rxEnabled, 0);
        Volatile.Write(ref _forceQuiesce, 1);
        Poller.Kick(this);
    }

    /// <summary>Any thread (RxBuffer.Release): a buffer went back to the pool.</summary>
    internal void OnRxBufferReleased()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _rxStarved) != 0 && Interlocked.Exchange(ref _rxStarved, 0) != 0) Poller.Kick(this);
    }

    internal bool IsQuiesced => _quiesced;

    private byte ExpectedPhase(int index) => ((index >> _cplLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;

    /// <summary>Consumes up to <paramref name="budget"/> completions; true when more may be waiting.</summary>
    internal bool Poll(int budget)
    {
        if (_quiesced) return false;
        bool deviceOk = !Host.DeviceFailed;
        int processed = 0, txFreed = 0;
        long txBytesFreed = 0;
        if (Volatile.Read(ref _forceQuiesce) == 0)
        {
            while (processed < budget)
            {
                byte* e = _cplRing + (_cplCons & _cplMask) * Completion.Size;
                if ((Volatile.Read(ref e[Completion.Size - 1]) & Spec.PhaseBit) != ExpectedPhase(_cplCons)) break;
                Completion c = Completion.Read(new ReadOnlySpan<byte>(e, Completion.Size));
                _cplCons++;
                processed++;
                switch (c.Kind)
                {
                    case CompletionKind.Tx: HandleTx(in c, ref txFreed, ref txBytesFreed); break;
                    case CompletionKind.Rx: HandleRx(in c); break;
                    default:
                        Fail(NetChannelError.ProtocolError, $"channel {Id}: the NIC wrote a completion of kind {(byte)c.Kind} to a channel ring");
                        break;
                }
            }
        }
        bool drained = processed < budget;
        if (deviceOk && (drained || processed > 0))
        {
            // Return the consumed slots (and re-arm when drained) BEFORE any slot is reused, so the NIC never
            // sees more outstanding descriptors plus unconsumed completions than the completion ring holds.
            Host.TryWrite(Registers.DbCpl, new DbCplRegister { Channel = (ushort)Id, Arm = drained, Cons = (ushort)_cplCons }.Value);
        }
        if (txFreed > 0)
        {
            Interlocked.Add(ref _queuedBytes, -txBytesFreed);
            Interlocked.Add(ref _txCompleted, txFreed); // a full fence: waiters registered before it are seen
            WakeReservers(txFreed, null);
        }
        if (deviceOk) RefillRx();
        CheckQuiesced();
        return !drained && !_quiesced;
    }

    private void HandleTx(in Completion c, ref int freed, ref long bytes)
    {
        if (c.Index != (ushort)_txDone)
        {
            Fail(NetChannelError.ProtocolError, $"channel {Id}: Tx completion for ring index {c.Index}, expected {(ushort)_txDone} (Tx completions come in ring order)");
            return;
        }
        int k = _txDone & _txMask;
        int len = _slotLen[k];
        _txDone++;
        freed++;
        bytes += len;
        if (c.Status == CompletionStatus.Ok)
        {
            Volatile.Write(ref Counters._txMessages, Counters._txMessages + 1);
            Volatile.Write(ref Counters._txBytes, Counters._txBytes + len);
            return;
        }
        Volatile.Write(ref Counters._txErrors, Counters._txErrors + 1);
        switch (c.Status)
        {
            case CompletionStatus.Timeout:
                Fail(NetChannelError.RetransmissionLimit, $"channel {Id} to {Peer}: the NIC reached its retransmission limit (the peer no longer acknowledges)");
                break;
            case CompletionStatus.DmaFault:
                Fail(NetChannelError.DmaFault, $"channel {Id}: the NIC's DMA access to a Tx buffer was refused");
                break;
            case CompletionStatus.ChannelDown:
                // Only this host closes a channel in the NIC; otherwise the NIC failed it, and the descriptors it
                // had not taken yet complete CHANNEL_DOWN. The CHANNEL event written after these completions says
                // why (retransmission limit or DMA fault), so the reason is left to it.
                break;
            default:
                Fail(NetChannelError.ProtocolError, $"channel {Id}: the NIC rejected Tx descriptor {c.Index} with {c.Status}");
                break;
        }
    }

    private void HandleRx(in Completion c)
    {
        if (c.Index != (ushort)_rxCons)
        {
            Fail(NetChannelError.ProtocolError, $"channel {Id}: Rx completion for ring index {c.Index}, expected {(ushort)_rxCons} (Rx completions come in ring order)");
            return;
        }
        // The buffer is the one this channel posted at that ring slot: the completion's tag is not used, as the
        // NIC does not read the descriptors of the buffers it flushes (CHANNEL_DOWN completions carry tag 0).
        int id = _rxSlot[_rxCons & _rxMask];
        _rxCons++;
        switch (c.Status)
        {
            case CompletionStatus.Ok:
                Volatile.Write(ref Counters._rxMessages, Counters._rxMessages + 1);
                Volatile.Write(ref Counters._rxBytes, Counters._rxBytes + c.Len);
                RxBuffer buf = _pool.HandOut(id, c.Len);
                var msg = new NcMessage(c.SrcPort, c.DstPort, c.Seq, c.Grant, c.MsgType);
                try
                {
                    Host.Sink.OnMessage(this, in msg, buf);
                }
                catch (Exception)
                {
                    Volatile.Write(ref Counters._sinkExceptions, Counters._sinkExceptions + 1);
                }
                break;
            case CompletionStatus.ChannelDown:
                // The NIC closed the receive side (a close or a failure): post nothing more, or the buffers
                // would go to a closed ring (a bad doorbell) and never come back.
                Volatile.Write(ref _rxEnabled, 0);
                _pool.Return(id);
                break;
            case CompletionStatus.TooSmall:
                _pool.Return(id);
                Volatile.Write(ref Counters._rxErrors, Counters._rxErrors + 1);
                Fail(NetChannelError.ProtocolError, $"channel {Id}: the peer sent a {c.Len}-byte message; this channel's receive buffers hold {_pool.BufferBytes} bytes (the message is lost)");
                break;
            default:
                _pool.Return(id);
                Volatile.Write(ref Counters._rxErrors, Counters._rxErrors + 1);
                Fail(NetChannelError.ProtocolError, $"channel {Id}: the NIC rejected Rx buffer {c.Index} with {c.Status}");
                break;
        }
    }

    private void RefillRx()
    {
        if (Volatile.Read(ref _rxEnabled) == 0) return;
        int posted = 0;
        while (_rxProd - _rxCons < _rxSize)
        {
            if (!_pool.TryTake(out int id))
            {
                // Say we are starving, then look again, so a release racing with us is never missed.
                Volatile.Write(ref _rxStarved, 1);
                Interlocked.MemoryBarrier();
                if (!_pool.TryTake(out id))
                {
                    if (!_starvedEpisode)
                    {
                        _starvedEpisode = true;
                        Volatile.Write(ref Counters._rxStarvations, Counters._rxStarvations + 1);
                    }
                    break;
                }
                Volatile.Write(ref _rxStarved, 0);
            }
            RxDescriptor d = default;
            d.Addr = _pool.BusAddress(id);
            d.Len = (uint)_pool.BufferBytes;
            d.Tag = (ushort)id;
            d.Write(new Span<byte>(_rxRing + (_rxProd & _rxMask) * RxDescriptor.Size, RxDescriptor.Size));
            _rxSlot[_rxProd & _rxMask] = id;
            _rxProd++;
            posted++;
        }
        if (_rxProd - _rxCons == _rxSize) _starvedEpisode = false;
        if (posted > 0) Host.TryWrite(Registers.DbRx, new DbRxRegister { Channel = (ushort)Id, Prod = (ushort)_rxProd }.Value);
    }

    private void CheckQuiesced()
    {
        if (_quiesced) return;
        int f = Volatile.Read(ref _finalCpl);
        bool done = Volatile.Read(ref _forceQuiesce) != 0 || (f >= 0 && (ushort)_cplCons == f);
        if (!done) return;
        _quiesced = true;
        // Messages the NIC will never complete (doorbells it refused after a failure) are done too.
        int posted = Volatile.Read(ref _posted);
        int cur = Volatile.Read(ref _txCompleted);
        if (posted - cur > 0) Interlocked.Add(ref _txCompleted, posted - cur);
        Volatile.Write(ref _queuedBytes, 0);
        FailWaiters(DownException());
        RetireMemory();
        if (NotifyDown)
        {
            try
            {
                Host.Sink.OnChannelDown(this, DownException());
            }
            catch (Exception)
            {
                Volatile.Write(ref Counters._sinkExceptions, Counters._sinkExceptions + 1);
            }
        }
        Host.OnChannelQuiesced(this);
    }

    private void Fail(NetChannelError error, string message) => Host.FailChannel(this, new NetChannelException(error, message));
}
