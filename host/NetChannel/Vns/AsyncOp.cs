using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace NetChannel.Vns;

/// <summary>
/// A reusable awaitable for one outstanding operation (the pattern of <c>Socket.Tasks.cs</c> and QUIC's
/// <c>ResettableValueTaskSource</c>): armed under its owner's lock, completed once, reset when armed again,
/// so a steady stream of operations allocates nothing. Continuations run on the thread pool, never on the
/// driver's poller or a copy worker.
/// </summary>
internal sealed class AsyncOp<T> : IValueTaskSource<T>, IValueTaskSource
{
    private static readonly Action<object?, CancellationToken> s_cancel = static (s, token) => ((AsyncOp<T>)s!).OnCancel(token);

    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private readonly object _lock;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public AsyncOp(object ownerLock) => _lock = ownerLock;

    /// <summary>True between <see cref="Arm"/> and completion.</summary>
    public bool IsArmed { get; private set; }

    /// <summary>While true, cancellation is ignored: the operation is being completed by a copy in flight.</summary>
    public bool Claimed { get; set; }

    /// <summary>Starts an operation (caller holds the owner's lock).</summary>
    public ValueTask<T> Arm(CancellationToken cancellationToken)
    {
        ArmCore(cancellationToken);
        return new ValueTask<T>(this, _core.Version);
    }

    /// <summary>Starts an operation whose result is ignored (caller holds the owner's lock).</summary>
    public ValueTask ArmVoid(CancellationToken cancellationToken)
    {
        ArmCore(cancellationToken);
        return new ValueTask(this, _core.Version);
    }

    private void ArmCore(CancellationToken cancellationToken)
    {
        if (IsArmed) throw new InvalidOperationException("operation already pending");
        _core.Reset();
        IsArmed = true;
        Claimed = false;
        _token = cancellationToken;
        // A token cancelled meanwhile runs the callback here, re-entering the owner's lock: it completes the
        // operation with OperationCanceledException before we return it.
        _registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(s_cancel, this) : default;
    }

    /// <summary>Completes with a result (caller holds the owner's lock).</summary>
    public bool TrySetResult(T result)
    {
        if (!IsArmed) return false;
        Disarm();
        _core.SetResult(result);
        return true;
    }

    /// <summary>Completes with an error (caller holds the owner's lock).</summary>
    public bool TrySetException(Exception error)
    {
        if (!IsArmed) return false;
        Disarm();
        _core.SetException(error);
        return true;
    }

    private void Disarm()
    {
        IsArmed = false;
        Claimed = false;
        // Unregister, not Dispose: Dispose would wait for a callback running on another thread, which may
        // be blocked on the lock we hold.
        _registration.Unregister();
        _registration = default;
    }

    private void OnCancel(CancellationToken token)
    {
        lock (_lock)
        {
            // The token check drops a late callback of an earlier operation that used another token.
            if (!IsArmed || Claimed || token != _token) return;
            Disarm();
            _core.SetException(new OperationCanceledException(token));
        }
    }

    public T GetResult(short token) => _core.GetResult(token);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>A small lock-protected pool of reusable objects (copy requests), so the data path does not allocate.</summary>
internal sealed class ObjectPool<T> where T : class
{
    private readonly T[] _items;
    private readonly Func<T> _factory;
    private int _count;

    public ObjectPool(Func<T> factory, int capacity = 256)
    {
        _factory = factory;
        _items = new T[capacity];
    }

    public T Rent()
    {
        lock (_items)
        {
            if (_count > 0)
            {
                T item = _items[--_count];
                _items[_count] = null!;
                return item;
            }
        }
        return _factory();
    }

    public void Return(T item)
    {
        lock (_items)
        {
            if (_count < _items.Length) _items[_count++] = item;
        }
    }
}
