using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using NetChannel.Device;
using NetChannel.Wire;

namespace NetChannel.Driver;

/// <summary>
/// A driver thread with its own event queue (= interrupt vector): it learns from events which channels
/// have completions, consumes them (round robin, a budget per channel), re-arms the completion rings, and
/// sleeps on the queue's interrupt when idle (or keeps polling, by <see cref="PollMode"/>).
/// </summary>
internal sealed unsafe class Poller
{
    private readonly NicHost _host;
    private readonly DmaRegion _eqMem;
    private readonly int _eqLog, _eqMask;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly ConcurrentQueue<Channel> _kicks = new();
    private readonly Channel?[] _active;
    private int _activeHead, _activeCount;
    private int _eqCons;
    private volatile bool _stop;
    private readonly int _budget;
    private readonly PollMode _mode;
    private readonly long _spinTicks;
    private long _allocated;
    private bool _sleeping;

    public Poller(NicHost host, int eventQueue, int eqLog, string name, int maxChannels, NicHostOptions o)
    {
        _host = host;
        EventQueue = eventQueue;
        _eqLog = eqLog;
        _eqMask = (1 << eqLog) - 1;
        _eqMem = host.Device.AllocateDma(Event.Size << eqLog);
        _active = new Channel?[maxChannels + 1];
        _budget = o.PollBudget;
        _mode = o.PollMode;
        _spinTicks = (long)(o.IdleSpin.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public int EventQueue { get; }

    public ulong EventQueueBus => _eqMem.BusAddress;

    public int EventQueueLog => _eqLog;

    public int ThreadId => _thread.ManagedThreadId;

    /// <summary>Bytes this poller's thread has allocated (diagnostics: flat in steady state).</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    /// <summary>True while the thread sleeps for an interrupt: everything it was given is done (tests).</summary>
    public bool Sleeping => Volatile.Read(ref _sleeping);

    public void Start() => _thread.Start();

    /// <summary>The interrupt of this poller's event queue fired (device thread: only signal).</summary>
    public void OnInterrupt() => _wake.Set();

    /// <summary>Asks the poller to look at a channel (any thread).</summary>
    public void Kick(Channel ch)
    {
        if (Interlocked.Exchange(ref ch.KickPending, 1) == 0) _kicks.Enqueue(ch);
        _wake.Set();
    }

    public void Stop()
    {
        _stop = true;
        _wake.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread) _thread.Join();
    }

    public void FreeMemory() => _eqMem.Dispose();

    private void Activate(Channel ch)
    {
        if (ch.InActive || ch.IsQuiesced) return;
        ch.InActive = true;
        _active[(_activeHead + _activeCount) % _active.Length] = ch;
        _activeCount++;
    }

    private Channel Dequeue()
    {
        Channel ch = _active[_activeHead]!;
        _active[_activeHead] = null;
        _activeHead = (_activeHead + 1) % _active.Length;
        _activeCount--;
        ch.InActive = false;
        return ch;
    }

    private bool EventPending()
    {
        byte* e = _eqMem.Pointer + (_eqCons & _eqMask) * Event.Size;
        byte expected = ((_eqCons >> _eqLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        return (Volatile.Read(ref e[Event.Size - 1]) & Spec.PhaseBit) == expected;
    }

    private bool DrainEvents()
    {
        int n = 0;
        while (EventPending())
        {
            Event ev = Event.Read(new ReadOnlySpan<byte>(_eqMem.Pointer + (_eqCons & _eqMask) * Event.Size, Event.Size));
            _eqCons++;
            n++;
            Channel? ch = _host.Lookup(ev.Source);
            if (ch == null || ch.Poller != this) continue;
            switch (ev.EvType)
            {
                case EventType.Completion:
                    Activate(ch);
                    break;
                case EventType.Channel:
                    var why = (CompletionStatus)((ev.Data >> 8) & 0xFF);
                    _host.FailChannel(ch, why == CompletionStatus.DmaFault
                        ? new NetChannelException(NetChannelError.DmaFault, $"channel {ch.Id}: the NIC failed the channel after a refused DMA access")
                        : new NetChannelException(NetChannelError.RetransmissionLimit, $"channel {ch.Id} to {ch.Peer}: the NIC reached its retransmission limit (the peer no longer acknowledges)"));
                    Activate(ch);
                    break;
                case EventType.Error:
                    _host.FailChannel(ch, new NetChannelException(NetChannelError.ProtocolError, $"channel {ch.Id}: the NIC reported an error (data 0x{ev.Data:X}): a completion was lost"));
                    Activate(ch);
                    break;
            }
        }
        // EQ_ARM is the only way to return event slots: do it whenever some were consumed.
        if (n > 0) ArmEventQueue();
        return n > 0;
    }

    private void ArmEventQueue() => _host.TryWrite(Registers.EqArm, new EqArmRegister { Eq = (byte)EventQueue, Cons = (ushort)_eqCons }.Value);

    private void Run()
    {
        long idleSince = 0;
        SpinWait spin = default;
        while (!_stop)
        {
            bool work = DrainEvents();
            while (_kicks.TryDequeue(out Channel? k))
            {
                Volatile.Write(ref k.KickPending, 0);
                Activate(k);
                work = true;
            }
            for (int n = _activeCount; n > 0; n--)
            {
                Channel ch = Dequeue();
                if (ch.Poll(_budget)) Activate(ch);
                work = true;
            }
            Volatile.Write(ref _allocated, GC.GetAllocatedBytesForCurrentThread());
            if (work || _activeCount > 0)
            {
                idleSince = 0;
                spin.Reset();
                continue;
            }
            if (_mode == PollMode.BusyPoll)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            if (_spinTicks > 0)
            {
                long now = Stopwatch.GetTimestamp();
                if (idleSince == 0) idleSince = now;
                if (now - idleSince < _spinTicks)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
            }
            // Arm, then look once more: anything that arrived before the arm is seen now, anything after
            // raises the interrupt, so no wake-up is lost.
            _wake.Reset();
            ArmEventQueue();
            if (EventPending() || !_kicks.IsEmpty || _stop) continue;
            Volatile.Write(ref _sleeping, true);
            _wake.Wait();
            Volatile.Write(ref _sleeping, false);
            idleSince = 0;
        }
    }
}
