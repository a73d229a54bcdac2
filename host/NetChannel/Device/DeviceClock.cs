using System;
using System.Collections.Generic;
using System.Threading;

namespace NetChannel.Device;

/// <summary>
/// A device's own clock (<see cref="INicDevice.ClockCycles"/> at <see cref="INicDevice.ClockHz"/>) as a
/// <see cref="TimeProvider"/>: timestamps are device cycles, and timers fire when the device's time has
/// passed, however fast the device runs. A card's clock runs at wall speed; a simulated NIC's is simulated
/// time, a thousand times slower than the wall clock or paused altogether. Every host-runtime timer about
/// the device or a peer runs on it — channel opens and their retries, closes, liveness and keep-alive,
/// connects — so a slow or paused simulator never makes a live peer look dead, and a fast one never fires a
/// timeout early. <c>Task.Delay</c>, <c>WaitAsync</c> and <c>CancellationTokenSource</c> take it as their
/// <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Timers are served by one background thread per clock, created with the first timer: it reads the
/// device clock (a cheap read on every backend) at most every 10 ms of wall time, or sooner when the next
/// deadline is nearer at the device's nominal speed, and runs due callbacks on the thread pool. A device
/// whose clock can no longer be read (disposed) stops the clock: its timers never fire.
/// <see cref="TimeProvider.GetUtcNow"/> is the system's (device time has no calendar).
/// </remarks>
public sealed class DeviceClock : TimeProvider, IDisposable
{
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(10);

    private readonly INicDevice _device;
    private readonly long _frequency;
    private readonly object _lock = new();
    private readonly PriorityQueue<DeviceTimer, long> _due = new();
    private readonly AutoResetEvent _wake = new(false);
    private Thread? _thread;
    private long _last;
    private bool _disposed;

    /// <summary>Creates the clock of <paramref name="device"/>.</summary>
    /// <param name="device">The device; its clock frequency must be positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentException">The device's clock frequency is not positive.</exception>
    public DeviceClock(INicDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        double hz = device.ClockHz;
        if (!(hz >= 1)) throw new ArgumentException($"{device.Description}: clock frequency {hz} Hz is not positive", nameof(device));
        _frequency = (long)hz;
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => _frequency;

    /// <summary>The device's cycle counter (the last value read when the device can no longer be read).</summary>
    /// <returns>Device cycles since it started.</returns>
    public override long GetTimestamp()
    {
        try
        {
            long now = (long)_device.ClockCycles;
            Volatile.Write(ref _last, now);
            return now;
        }
        catch (ObjectDisposedException)
        {
            return Volatile.Read(ref _last);
        }
    }

    /// <summary>Device cycles in <paramref name="interval"/> of device time (saturating).</summary>
    /// <param name="interval">A non-negative interval.</param>
    /// <returns>The cycles.</returns>
    public long Ticks(TimeSpan interval) =>
        interval <= TimeSpan.Zero ? 0
        : interval.TotalSeconds * _frequency >= long.MaxValue / 2 ? long.MaxValue / 2
        : (long)(interval.TotalSeconds * _frequency);

    /// <summary>Milliseconds of device time in <paramref name="ticks"/> device cycles.</summary>
    /// <param name="ticks">Cycles.</param>
    /// <returns>Milliseconds.</returns>
    public double Milliseconds(long ticks) => ticks * 1000.0 / _frequency;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var t = new DeviceTimer(this, callback, state);
        t.Change(dueTime, period);
        return t;
    }

    /// <summary>Stops the timer thread; timers never fire afterwards.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _due.Clear();
        }
        _wake.Set();
        if (_thread is { } t && t != Thread.CurrentThread) t.Join();
        _wake.Dispose();
    }

    private void Schedule(DeviceTimer t, long deadline)
    {
        lock (_lock)
        {
            if (_disposed) return;
            _due.Enqueue(t, deadline);
            if (_thread == null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = $"device clock ({_device.Description})" };
                _thread.Start();
            }
        }
        _wake.Set();
    }

    private void Run()
    {
        var fire = new List<DeviceTimer>();
        while (true)
        {
            long now = GetTimestamp();
            TimeSpan wait = MaxPoll;
            lock (_lock)
            {
                if (_disposed) return;
                while (_due.TryPeek(out DeviceTimer? t, out long deadline))
                {
                    if (deadline != t.Deadline) { _due.Dequeue(); continue; }   // changed or disposed since
                    if (deadline > now)
                    {
                        double s = (deadline - now) / (double)_frequency;
                        if (s < wait.TotalSeconds) wait = TimeSpan.FromSeconds(Math.Max(s, 0.0005));
                        break;
                    }
                    _due.Dequeue();
                    fire.Add(t);
                }
            }
            foreach (DeviceTimer t in fire) t.Fire(now);
            fire.Clear();
            _wake.WaitOne(wait);
        }
    }

    private sealed class DeviceTimer(DeviceClock clock, TimerCallback callback, object? state) : ITimer
    {
        private readonly object _lock = new();
        private long _period;     // device cycles; 0: one-shot
        private bool _disposed;

        /// <summary>The deadline the queue entry is valid for (long.MinValue: none).</summary>
        public long Deadline { get; private set; } = long.MinValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(dueTime));
            if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(period));
            long deadline;
            lock (_lock)
            {
                if (_disposed) return false;
                _period = period == Timeout.InfiniteTimeSpan ? 0 : clock.Ticks(period);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    Deadline = long.MinValue;
                    return true;
                }
                deadline = clock.GetTimestamp() + clock.Ticks(dueTime);
                Deadline = deadline;
            }
            clock.Schedule(this, deadline);
            return true;
        }

        public void Fire(long now)
        {
            long next = long.MinValue;
            lock (_lock)
            {
                if (_disposed) return;
                if (_period > 0)
                {
                    next = now + _period;
                    Deadline = next;
                }
                else Deadline = long.MinValue;
            }
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.callback(s.state), (callback, state), preferLocal: false);
            if (next != long.MinValue) clock.Schedule(this, next);
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                Deadline = long.MinValue;
            }
        }

        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}
