using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetChannel.Scheduling;

namespace NetChannel.Copy;

/// <summary>A copy request: moves bytes between application memory (or a socket's receive buffer) and DMA
/// buffers, then reports completion to its socket. Pooled by its owner; a worker runs it exactly once.</summary>
internal abstract class CopyWorkItem
{
    /// <summary>Class of the socket the copy belongs to.</summary>
    public TrafficClass Class;

    /// <summary>Bytes the item copies (for queue thresholds and counters).</summary>
    public int Bytes;

    /// <summary>Copies, completes to the socket and returns the item to its pool. Must not throw.</summary>
    public abstract void Execute();
}

/// <summary>Options of the copy workers.</summary>
public sealed class CopyWorkerOptions
{
    /// <summary>Worker threads for throughput-class sockets (0: their copies run inline). Default 2.</summary>
    public int ThroughputWorkers { get; set; } = 2;

    /// <summary>Worker threads for latency-class sockets, never shared with throughput-class ones (0: their
    /// copies run inline). Default 1.</summary>
    public int LatencyWorkers { get; set; } = 1;

    /// <summary>Pin each worker thread to one CPU with <c>sched_setaffinity</c>. Default false.</summary>
    public bool PinThreads { get; set; }

    /// <summary>CPU of each worker when pinning, throughput workers first; default: the CPUs the process may
    /// use, round-robin.</summary>
    public IReadOnlyList<int>? Cpus { get; set; }

    /// <summary>How long an idle worker keeps looking for work (yielding its CPU between looks) before it
    /// sleeps; a request that comes within it needs no wake-up. 0: sleep at once. Default 50 µs.</summary>
    public TimeSpan IdleSpin { get; set; } = TimeSpan.FromMicroseconds(50);

    internal void Validate()
    {
        if (ThroughputWorkers < 0 || ThroughputWorkers > 256) throw new ArgumentOutOfRangeException(nameof(ThroughputWorkers), ThroughputWorkers, "must be in [0, 256]");
        if (LatencyWorkers < 0 || LatencyWorkers > 256) throw new ArgumentOutOfRangeException(nameof(LatencyWorkers), LatencyWorkers, "must be in [0, 256]");
        if (IdleSpin < TimeSpan.Zero || IdleSpin > TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(IdleSpin), IdleSpin, "must be in [0, 1 s]");
        if (Cpus is not null)
            foreach (int c in Cpus)
                if ((uint)c >= 1024) throw new ArgumentOutOfRangeException(nameof(Cpus), c, "CPU numbers must be in [0, 1024)");
    }
}

/// <summary>Counters of one copy worker.</summary>
/// <param name="Index">Worker index in the pool.</param>
/// <param name="Class">The class the worker serves.</param>
/// <param name="Cpu">CPU it was asked to run on when pinning, else null.</param>
/// <param name="Pinned">True when pinning succeeded.</param>
/// <param name="Items">Copy requests executed.</param>
/// <param name="Bytes">Bytes copied.</param>
/// <param name="ThroughputItems">Requests of throughput-class sockets executed.</param>
/// <param name="LatencyItems">Requests of latency-class sockets executed.</param>
/// <param name="QueuedBytes">Bytes queued now.</param>
/// <param name="MaxQueuedBytes">Largest queue seen, in bytes.</param>
/// <param name="Sleeps">Times the worker found its queue empty and slept.</param>
/// <param name="Failures">Requests that threw (a bug: the socket concerned was aborted).</param>
public readonly record struct CopyWorkerStats(int Index, TrafficClass Class, int? Cpu, bool Pinned, long Items, long Bytes,
    long ThroughputItems, long LatencyItems, long QueuedBytes, long MaxQueuedBytes, long Sleeps, long Failures);

/// <summary>One dedicated copy thread with its own queue.</summary>
internal sealed class CopyWorker
{
    private readonly object _lock = new();
    private readonly Queue<CopyWorkItem> _queue = new(256);
    private readonly Thread _thread;
    private bool _sleeping;
    private bool _stopping;
    private long _queuedBytes;
    private long _maxQueued;
    private long _items, _bytes, _tItems, _lItems, _sleeps, _failures;
    private int _pinResult = -1;
    private readonly long _spinTicks;

    public CopyWorker(int index, TrafficClass cls, int? cpu, string name, TimeSpan idleSpin = default)
    {
        _spinTicks = (long)(idleSpin.TotalSeconds * Stopwatch.Frequency);
        Index = index;
        Class = cls;
        Cpu = cpu;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public int Index { get; }
    public TrafficClass Class { get; }
    public int? Cpu { get; }

    /// <summary>Bytes queued and not yet copied.</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public void Start() => _thread.Start();

    public void Enqueue(CopyWorkItem item)
    {
        long q = Interlocked.Add(ref _queuedBytes, item.Bytes);
        if (q > Volatile.Read(ref _maxQueued)) Volatile.Write(ref _maxQueued, q); // racy max: a statistic only
        lock (_lock)
        {
            _queue.Enqueue(item);
            if (_sleeping) Monitor.Pulse(_lock);
        }
    }

    public void Stop()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.Pulse(_lock);
        }
        if (_thread.IsAlive && Thread.CurrentThread != _thread) _thread.Join();
    }

    private void Run()
    {
        if (Cpu is int cpu) _pinResult = CpuAffinity.SetCurrentThread(cpu);
        while (true)
        {
            CopyWorkItem item;
            if (_spinTicks > 0 && Volatile.Read(ref _queuedBytes) == 0)
            {
                // Idle: look for work for a while (yielding the CPU between looks) before sleeping, so a request
                // that comes soon needs no wake-up.
                long t0 = Stopwatch.GetTimestamp();
                SpinWait sw = default;
                while (Volatile.Read(ref _queuedBytes) == 0 && !Volatile.Read(ref _stopping) && Stopwatch.GetTimestamp() - t0 < _spinTicks)
                    sw.SpinOnce(sleep1Threshold: -1);
            }
            lock (_lock)
            {
                while (_queue.Count == 0)
                {
                    if (_stopping) return;
                    _sleeping = true;
                    _sleeps++;
                    Monitor.Wait(_lock);
                    _sleeping = false;
                }
                item = _queue.Dequeue();
            }
            int bytes = item.Bytes;
            TrafficClass cls = item.Class;
            try
            {
                item.Execute();
            }
            catch (Exception)
            {
                // Execute catches its own errors; reaching here is a bug. Count it and keep the worker alive.
                Interlocked.Increment(ref _failures);
            }
            Interlocked.Add(ref _queuedBytes, -bytes);
            Interlocked.Increment(ref _items);
            Interlocked.Add(ref _bytes, bytes);
            if (cls == TrafficClass.Latency) Interlocked.Increment(ref _lItems);
            else Interlocked.Increment(ref _tItems);
        }
    }

    public CopyWorkerStats Snapshot() => new(Index, Class, Cpu, _pinResult == 0, Volatile.Read(ref _items), Volatile.Read(ref _bytes),
        Volatile.Read(ref _tItems), Volatile.Read(ref _lItems), QueuedBytes, Volatile.Read(ref _maxQueued), Volatile.Read(ref _sleeps),
        Volatile.Read(ref _failures));
}

/// <summary>The copy worker threads of a host: one set per traffic class, never shared between classes.</summary>
public sealed class CopyWorkerPool : IDisposable
{
    private readonly CopyWorker[] _workers;
    private int _disposed;

    /// <summary>Starts the worker threads.</summary>
    /// <param name="options">Worker counts and pinning.</param>
    /// <param name="name">Prefix of the thread names.</param>
    public CopyWorkerPool(CopyWorkerOptions options, string name = "vns")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int t = options.ThroughputWorkers, l = options.LatencyWorkers;
        _workers = new CopyWorker[t + l];
        IReadOnlyList<int>? cpus = options.PinThreads ? (options.Cpus is { Count: > 0 } c ? c : AllowedCpus()) : null;
        for (int i = 0; i < _workers.Length; i++)
        {
            TrafficClass cls = i < t ? TrafficClass.Throughput : TrafficClass.Latency;
            int? cpu = cpus is { Count: > 0 } ? cpus[i % cpus.Count] : null;
            _workers[i] = new CopyWorker(i, cls, cpu, $"{name}-copy-{(cls == TrafficClass.Latency ? "L" : "T")}{i}", options.IdleSpin);
        }
        ThroughputWorkers = new ArraySegment<CopyWorker>(_workers, 0, t);
        LatencyWorkers = new ArraySegment<CopyWorker>(_workers, t, l);
        foreach (CopyWorker w in _workers) w.Start();
    }

    private static int[] AllowedCpus()
    {
        int[] cpus = CpuAffinity.GetCurrentThread();
        if (cpus.Length > 0) return cpus;
        cpus = new int[Environment.ProcessorCount];
        for (int i = 0; i < cpus.Length; i++) cpus[i] = i;
        return cpus;
    }

    /// <summary>Number of worker threads.</summary>
    public int Count => _workers.Length;

    internal ArraySegment<CopyWorker> ThroughputWorkers { get; }
    internal ArraySegment<CopyWorker> LatencyWorkers { get; }

    internal ArraySegment<CopyWorker> For(TrafficClass cls) => cls == TrafficClass.Latency ? LatencyWorkers : ThroughputWorkers;

    /// <summary>Counters of every worker.</summary>
    public CopyWorkerStats[] Snapshot()
    {
        var s = new CopyWorkerStats[_workers.Length];
        for (int i = 0; i < s.Length; i++) s[i] = _workers[i].Snapshot();
        return s;
    }

    /// <summary>Stops the threads once their queues are empty.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (CopyWorker w in _workers) w.Stop();
    }
}
