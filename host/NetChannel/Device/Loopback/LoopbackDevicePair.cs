using System;
using System.Diagnostics;
using System.Threading;

namespace NetChannel.Device.Loopback;

/// <summary>
/// Two software NICs joined back to back: the <b>loopback test device</b>. Each side is an
/// <see cref="INicDevice"/> that honours the programming model of <c>docs/nic.md</c> — registers, channel
/// contexts, Tx/Rx/completion rings with phase bits, armed completion rings and event queues, interrupts,
/// the management queue pair, descriptor and doorbell validation, credits and counters — but has no wire:
/// a Tx descriptor's payload is copied with one <c>memcpy</c> straight into the peer channel's next posted
/// Rx buffer, never parsed or modified (the analogue of DPDK's ring/null drivers). It exists to test and
/// measure the host runtime alone; it says nothing about the NIC's own performance. What it does and does
/// not model is in <c>docs/host-runtime.md</c>.
/// </summary>
/// <remarks>
/// One engine thread per pair (the "DMA engine") owns all device state. Register writes are queued to it
/// in call order and return at once; register reads are round trips to it (slow, like MMIO reads of the
/// simulated NIC). It sleeps when there is no work and is woken by register writes (doorbells) and timers.
/// It allocates nothing per packet.
/// </remarks>
public sealed class LoopbackDevicePair : IDisposable
{
    private const int QueueCapacity = 8192;
    private const int DrainBatch = 256;

    private readonly object _q = new();
    private readonly Op[] _ops = new Op[QueueCapacity];
    private readonly Op[] _batch = new Op[DrainBatch];
    private int _head, _count;
    private bool _sleeping;
    private long _passSeq, _idlePass;
    private bool _stop;
    private readonly Thread _engine;
    private int _disposed;

    /// <summary>Creates the pair and starts its engine thread.</summary>
    /// <param name="options">Capabilities of both devices (null: defaults).</param>
    public LoopbackDevicePair(LoopbackOptions? options = null)
    {
        LoopbackOptions o = (options ?? new LoopbackOptions()).Clone();
        o.Validate();
        Options = o;
        StartTimestamp = Stopwatch.GetTimestamp();
        A = new LoopbackDevice(this, 0, o);
        B = new LoopbackDevice(this, 1, o);
        A.Peer = B;
        B.Peer = A;
        _engine = new Thread(EngineLoop) { IsBackground = true, Name = "loopback DMA engine" };
        _engine.Start();
    }

    /// <summary>The first device.</summary>
    public LoopbackDevice A { get; }

    /// <summary>The second device.</summary>
    public LoopbackDevice B { get; }

    internal LoopbackOptions Options { get; }

    internal long StartTimestamp { get; }

    internal int EngineThreadId => _engine.ManagedThreadId;

    /// <summary>Bytes the engine thread has allocated since it started (diagnostics: it must stay flat in steady state).</summary>
    public long EngineAllocatedBytes => Volatile.Read(ref _engineAllocated);

    /// <summary>A mark for <see cref="QuiescentSince"/>: the engine's current pass.</summary>
    internal long EnginePass => Volatile.Read(ref _passSeq);

    /// <summary>True when the engine has done everything asked of it before <paramref name="mark"/> was taken
    /// (<see cref="EnginePass"/>): a pass that began after it found no work, or the engine sleeps with nothing
    /// queued. Timers still armed (retransmission) are not work asked for. Tests wait on it instead of a
    /// sleep.</summary>
    internal bool QuiescentSince(long mark)
    {
        if (Volatile.Read(ref _idlePass) > mark) return true;
        lock (_q) return _sleeping && _count == 0;
    }
    private long _engineAllocated;

    /// <summary>
    /// Connects or cuts the "cable" between the two devices (a test hook). While cut, every frame in either
    /// direction is lost: channels with traffic run into retransmission timeouts and fail, management
    /// frames vanish. Applied in order with the register accesses already queued.
    /// </summary>
    public void SetLinkUp(bool up) => Enqueue(new Op { Kind = OpKind.Link, Value = up ? 1u : 0u });

    /// <summary>Powers both devices off and stops the engine thread. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        A.Dispose();
        B.Dispose();
        lock (_q)
        {
            _stop = true;
            Monitor.PulseAll(_q);
        }
        if (Thread.CurrentThread != _engine) _engine.Join();
    }

    internal bool EngineStopped => Volatile.Read(ref _engineExited) != 0;
    private int _engineExited;

    private Exception? _engineError;

    private Exception StoppedError() => _engineError is { } e
        ? new DeviceException($"the loopback engine failed: {e.Message}", e)
        : new ObjectDisposedException(nameof(LoopbackDevicePair), "the loopback device pair was disposed");

    internal void Enqueue(in Op op)
    {
        lock (_q)
        {
            if (_count == QueueCapacity && Thread.CurrentThread == _engine)
                throw new InvalidOperationException("a register access from the device's own thread (an interrupt handler) found the request queue full: interrupt handlers must only signal");
            while (_count == QueueCapacity && !_stop) Monitor.Wait(_q);
            if (_stop)
            {
                // The engine is gone: nothing will answer. Fail waiters at once.
                Exception e = StoppedError();
                if (op.Waiter is { } w) w.Fail(e);
                else if (_engineError != null) throw e;
                return;
            }
            _ops[(_head + _count) % QueueCapacity] = op;
            _count++;
            if (_sleeping) Monitor.Pulse(_q);
        }
    }

    private int Drain()
    {
        lock (_q)
        {
            int n = Math.Min(_count, DrainBatch);
            for (int i = 0; i < n; i++)
            {
                int k = (_head + i) % QueueCapacity;
                _batch[i] = _ops[k];
                _ops[k] = default;
            }
            bool wasFull = _count == QueueCapacity;
            _head = (_head + n) % QueueCapacity;
            _count -= n;
            if (wasFull && n > 0) Monitor.PulseAll(_q);
            return n;
        }
    }

    private void EngineLoop()
    {
        long idleSince = 0, spinTicks = (long)(Options.EngineIdleSpin.TotalSeconds * Stopwatch.Frequency);
        SpinWait spin = default;
        try
        {
            while (true)
            {
                long pass = Interlocked.Increment(ref _passSeq);
                int n = Drain();
                bool worked = n > 0;
                for (int i = 0; i < n; i++)
                {
                    ref Op op = ref _batch[i];
                    Apply(in op);
                    op = default;
                }
                worked |= A.RunCommands() | B.RunCommands();
                worked |= A.RunManagementTx() | B.RunManagementTx();
                worked |= A.RunTransmit() | B.RunTransmit();
                long now = Stopwatch.GetTimestamp();
                long next = long.MaxValue;
                worked |= A.RunTimers(now, ref next) | B.RunTimers(now, ref next);
                A.DeliverInterrupts();
                B.DeliverInterrupts();
                Volatile.Write(ref _engineAllocated, GC.GetAllocatedBytesForCurrentThread());
                if (worked)
                {
                    idleSince = 0;
                    continue;
                }
                Volatile.Write(ref _idlePass, pass);
                // Idle: keep looking for a while (a doorbell soon after is then served without a sleep and a
                // wake-up), yielding the CPU between looks, then sleep.
                if (spinTicks > 0 && Volatile.Read(ref _count) == 0 && !Volatile.Read(ref _stop))
                {
                    long t = Stopwatch.GetTimestamp();
                    if (idleSince == 0) idleSince = t;
                    if (t - idleSince < spinTicks && (next == long.MaxValue || next > t))
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                }
                idleSince = 0;
                spin.Reset();

                lock (_q)
                {
                    if (_stop) break;
                    if (_count > 0) continue;
                    int wait = Timeout.Infinite;
                    if (next != long.MaxValue)
                    {
                        long ticks = next - Stopwatch.GetTimestamp();
                        wait = ticks <= 0 ? 0 : (int)Math.Min(1000, Math.Max(1, ticks * 1000 / Stopwatch.Frequency));
                    }
                    if (wait == 0) continue;
                    _sleeping = true;
                    Monitor.Wait(_q, wait);
                    _sleeping = false;
                }
            }
        }
        catch (Exception e)
        {
            _engineError = e; // a bug in the device model: every later access reports it
        }
        finally
        {
            Volatile.Write(ref _engineExited, 1);
            lock (_q)
            {
                _stop = true;
                for (int i = 0; i < _count; i++)
                {
                    int k = (_head + i) % QueueCapacity;
                    _ops[k].Waiter?.Fail(StoppedError());
                    _ops[k] = default;
                }
                _count = 0;
                Monitor.PulseAll(_q);
            }
        }
    }

    private void Apply(in Op op)
    {
        switch (op.Kind)
        {
            case OpKind.Write:
                op.Device!.ApplyWrite(op.Address, op.Value);
                break;
            case OpKind.Read:
                if (op.Device!.PoweredOff) op.Waiter!.Fail(new ObjectDisposedException(op.Device.Description));
                else op.Waiter!.Complete(op.Device.ApplyRead(op.Address));
                break;
            case OpKind.Map:
                op.Device!.ApplyMap(op.Region!);
                break;
            case OpKind.Unmap:
                op.Device!.ApplyUnmap(op.Region!);
                op.Waiter!.Complete(0);
                break;
            case OpKind.PowerOff:
                op.Device!.ApplyPowerOff();
                op.Waiter?.Complete(0);
                break;
            case OpKind.Link:
                A.LinkUp = B.LinkUp = op.Value != 0;
                if (op.Value != 0)
                {
                    A.OnLinkRestored();
                    B.OnLinkRestored();
                }
                break;
        }
    }

    internal enum OpKind : byte { None, Write, Read, Map, Unmap, PowerOff, Link }

    internal struct Op
    {
        public OpKind Kind;
        public LoopbackDevice? Device;
        public uint Address;
        public uint Value;
        public LoopbackDmaRegion? Region;
        public OpWaiter? Waiter;
    }

    /// <summary>A thread's reusable rendezvous with the engine (register reads, unmaps).</summary>
    internal sealed class OpWaiter
    {
        [ThreadStatic] private static OpWaiter? t_current;
        private readonly ManualResetEventSlim _done = new(false, 200);
        private uint _value;
        private Exception? _error;

        public static OpWaiter ForCurrentThread()
        {
            OpWaiter w = t_current ??= new OpWaiter();
            w._done.Reset();
            w._error = null;
            return w;
        }

        public void Complete(uint value)
        {
            _value = value;
            _done.Set();
        }

        public void Fail(Exception e)
        {
            _error = e;
            _done.Set();
        }

        public uint Wait(TimeSpan timeout, string what)
        {
            if (!_done.Wait(timeout))
            {
                // The engine may still answer this request later: never reuse this waiter for another one.
                t_current = null;
                throw new DeviceException($"{what}: the loopback engine did not answer within {timeout.TotalSeconds:0.#} s");
            }
            if (_error != null) throw _error;
            return _value;
        }
    }
}
