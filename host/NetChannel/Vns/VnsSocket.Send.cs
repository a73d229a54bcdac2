using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using NetChannel.Copy;
using NetChannel.Scheduling;

namespace NetChannel.Vns;

public sealed partial class VnsSocket
{
    /// <summary>Sends <paramref name="buffer"/>: completes when every byte has been copied into DMA buffers
    /// and handed to the NIC (the buffer may then be reused), waiting for credit as the peer grants it.</summary>
    /// <returns>The number of bytes sent: always <c>buffer.Length</c>.</returns>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another send is in progress, the socket is not connected,
    /// or <see cref="ShutdownSend"/> was called.</exception>
    /// <exception cref="SocketException">The connection was reset or a channel it used failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled. If part of the buffer had already been sent the
    /// connection is aborted (a byte stream cannot take back half a write), as <c>QuicStream</c> does.</exception>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_txLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_txError != SocketError.Success) throw new SocketException((int)_txError, _txErrorMessage);
            if (_state == VnsSocketState.Connecting) throw new InvalidOperationException("The socket is not connected yet.");
            if (_finRequested) throw new InvalidOperationException("The send side was shut down (ShutdownSend); no more data can be sent.");
            if (_sending) throw new InvalidOperationException("A send is already in progress on this socket; only one send may be outstanding at a time.");
            if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
            if (buffer.IsEmpty) return new ValueTask<int>(0);
            _sending = true;
        }
        return _sendOp.Start(buffer, cancellationToken);
    }

    /// <summary>Commits a reserved slot whose copy failed as a harmless credit update, so the ring's
    /// committed prefix keeps moving; the caller aborts the socket.</summary>
    internal void CommitFiller(ScheduledChannel sc, in TxLease lease) =>
        sc.Commit(lease, Header(NetChannel.Wire.NetChannelType.Ack, Volatile.Read(ref _sndNxt)), 0, Class, MessageKind.SocketControl);

    private long Credit() => Volatile.Read(ref _sndGrant) - Volatile.Read(ref _sndNxt);

    private void ThrowIfTxFailed()
    {
        lock (_txLock)
            if (_txError != SocketError.Success) throw new SocketException((int)_txError, _txErrorMessage);
    }

    /// <summary>The send finished: further sends are allowed, and a FIN requested meanwhile leaves now.</summary>
    private void EndSend()
    {
        bool fin;
        lock (_txLock)
        {
            _sending = false;
            fin = _finRequested && !_finSent && _txError == SocketError.Success;
            if (fin) _finSent = true;
        }
        if (fin) SendFin();
    }

    /// <summary>
    /// The socket's one send operation, reused for every <see cref="SendAsync"/> (the pattern of
    /// <c>Socket.Tasks.cs</c>): a hand-written state machine that is its own awaitable and its own thread-pool
    /// work item, so a send allocates nothing whether it completes at once or waits. It waits for three
    /// things: credit (woken by the peer's grant), a Tx slot (the channel's <c>ReserveAsync</c>), and the
    /// copy workers (woken by the last copy request). It only ever runs on the application's thread (until
    /// its first wait) or on the thread pool — never on a poller or copy worker, which only queue it.
    /// </summary>
    internal sealed class SendOperation : IValueTaskSource<int>, IThreadPoolWorkItem
    {
        public const int WaitNone = 0, WaitCredit = 1, WaitCopies = 2;
        private const int StepLoop = 0, StepReserved = 1, StepChannel = 2, StepDrain = 3, StepFailDrain = 4;
        private const int SyncRunning = 0, SyncReturned = 1, SyncCompleted = 2;

        private static readonly Action<object?, CancellationToken> s_cancel = static (o, token) => ((SendOperation)o!).OnCancel(token);

        /// <summary>Sends in a row that complete before <see cref="SendAsync"/> returns, after which one completes
        /// through the thread pool instead (fairness for the pool; see <see cref="Finish"/>).</summary>
        internal const int SyncCompletionsBeforeYield = 16;
        private int _syncStreak, _yieldLength;
        private bool _yielding; // the work item completes a yielded send instead of running the operation

        private readonly VnsSocket _s;
        private readonly Action _resume;
        private ManualResetValueTaskSourceCore<int> _core; // continuations inline: it completes on the app thread or the pool only
        private ReadOnlyMemory<byte> _buffer;
        private CancellationToken _ct;
        private CancellationTokenRegistration _reg;
        private int _pos;
        private bool _inline;
        private TxCopyItem? _batch;
        private int _step;
        private int _wait; // under _s._txLock
        private ValueTask<TxLease> _reserveTask;
        private ScheduledChannel? _reserveOn;
        private ValueTask _channelTask;
        private Exception? _error;
        private int _sync;
        private Exception? _syncError;

        public SendOperation(VnsSocket socket)
        {
            _s = socket;
            _resume = Run;
        }

        public ValueTask<int> Start(ReadOnlyMemory<byte> buffer, CancellationToken ct)
        {
            NetScheduler sched = _s._host.Scheduler;
            _buffer = buffer;
            _ct = ct;
            _pos = 0;
            _batch = null;
            _error = null;
            _syncError = null;
            _step = StepLoop;
            _inline = buffer.Length <= sched.Options.InlineCopyBytes || sched.Workers.For(_s.Class).Count == 0;
            if (_inline) sched.CountInline();
            _core.Reset();
            Volatile.Write(ref _sync, SyncRunning);
            if (ct.CanBeCanceled) _reg = ct.UnsafeRegister(s_cancel, this);
            Run();
            if (Interlocked.CompareExchange(ref _sync, SyncReturned, SyncRunning) == SyncRunning)
            {
                _syncStreak = 0; // it waits (or yields, below): the streak of completions at once ends
                return new ValueTask<int>(this, _core.Version);
            }
            // Finished before Start returned (usually at once, on this thread): no awaitable needed.
            return _syncError is { } e ? ValueTask.FromException<int>(e) : new ValueTask<int>(buffer.Length);
        }

        /// <summary>Wakes the operation if it waits for <paramref name="kind"/> (caller holds the socket's Tx lock).</summary>
        public void WakeIfWaitingFor(int kind)
        {
            if (_wait != kind) return;
            _wait = WaitNone;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        private void OnCancel(CancellationToken token)
        {
            lock (_s._txLock)
                if (token == _ct) WakeIfWaitingFor(WaitCredit); // it sees the token and fails
        }

        void IThreadPoolWorkItem.Execute()
        {
            if (_yielding)
            {
                _yielding = false;
                _s.EndSend();
                _core.SetResult(_yieldLength);
                return;
            }
            Run();
        }

        private void Run()
        {
            VnsSocket s = _s;
            NetScheduler sched = s._host.Scheduler;
            try
            {
                while (true)
                {
                    switch (_step)
                    {
                        case StepReserved:
                        {
                            _step = StepLoop;
                            ScheduledChannel sc = _reserveOn!;
                            ValueTask<TxLease> t = _reserveTask;
                            _reserveOn = null;
                            _reserveTask = default;
                            TxLease lease;
                            try
                            {
                                lease = t.Result;
                            }
                            catch
                            {
                                sc.Exit();
                                throw;
                            }
                            Place(sc, lease);
                            continue;
                        }
                        case StepChannel:
                        {
                            _step = StepLoop;
                            ValueTask t = _channelTask;
                            _channelTask = default;
                            t.GetAwaiter().GetResult();
                            s.ThrowIfTxFailed();
                            continue;
                        }
                        case StepDrain:
                            if (!CopiesDone()) return;
                            Finish(null);
                            return;
                        case StepFailDrain:
                            if (!CopiesDone()) return;
                            Finish(_error);
                            return;
                    }

                    if (_pos >= _buffer.Length)
                    {
                        // The send waits for every copy anyway: its last batch is copied here rather than
                        // handed to a worker and waited for (a sleep and a wake-up more than the copy costs).
                        Flush(last: true);
                        _step = StepDrain;
                        continue;
                    }
                    _ct.ThrowIfCancellationRequested();
                    if (s.Credit() <= 0)
                    {
                        Flush();
                        if (WaitForCredit()) return;
                        continue;
                    }
                    ScheduledChannel? ch = sched.SelectChannel(s.Group, s._flowHash);
                    if (ch is null)
                    {
                        Flush();
                        ValueTask t = sched.WaitForChannelAsync(s.Group, _ct);
                        if (!t.IsCompleted)
                        {
                            _channelTask = t;
                            _step = StepChannel;
                            t.GetAwaiter().UnsafeOnCompleted(_resume);
                            return;
                        }
                        t.GetAwaiter().GetResult();
                        s.ThrowIfTxFailed();
                        continue;
                    }
                    if (ch.TryReserve(out TxLease l))
                    {
                        Place(ch, l);
                        continue;
                    }
                    // The ring is full: hand over what is batched (its slots must be committed for the ring to
                    // move), then wait for a slot.
                    Flush();
                    ValueTask<TxLease> rt;
                    try
                    {
                        rt = ch.Transport.ReserveAsync(_ct);
                        if (rt.IsCompleted)
                        {
                            TxLease now = rt.Result;
                            Place(ch, now);
                            continue;
                        }
                    }
                    catch
                    {
                        ch.Exit();
                        throw;
                    }
                    _reserveTask = rt;
                    _reserveOn = ch;
                    _step = StepReserved;
                    rt.GetAwaiter().UnsafeOnCompleted(_resume);
                    return;
                }
            }
            catch (Exception ex)
            {
                _error = ex;
                _step = StepFailDrain;
                Flush();
                if (!CopiesDone()) return;
                Finish(ex);
            }
        }

        /// <summary>Gives the reserved slot the next chunk: copy inline, or add it to the batch for a worker.</summary>
        private void Place(ScheduledChannel sc, in TxLease lease)
        {
            VnsSocket s = _s;
            int n = (int)Math.Min(Math.Min(_buffer.Length - _pos, sc.Transport.MaxPayload), s.Credit());
            long seq = s._sndNxt;
            Volatile.Write(ref s._sndNxt, seq + n);
            if (_inline)
            {
                try
                {
                    _buffer.Span.Slice(_pos, n).CopyTo(lease.Buffer);
                }
                catch
                {
                    s.CommitFiller(sc, lease); // a reserved slot is always committed
                    _pos += n;
                    throw;
                }
                s.CommitData(sc, lease, seq, n);
            }
            else
            {
                _batch ??= s._host.TxItems.Rent().Init(s, _buffer);
                _batch.Add(sc, lease, _pos, n, seq);
                // A full batch goes to a worker, unless it ends the send (then this thread copies it, above).
                if ((_batch.Bytes >= s._host.Scheduler.Options.CopyBatchBytes || _batch.IsFull) && _pos + n < _buffer.Length) Flush();
            }
            _pos += n;
        }

        /// <summary>Hands the batch to a copy worker (or copies it here when every worker is busy, or when it is
        /// the send's <paramref name="last"/> batch, which this thread would otherwise only wait for).</summary>
        private void Flush(bool last = false)
        {
            TxCopyItem? b = _batch;
            if (b is null) return;
            _batch = null;
            VnsSocket s = _s;
            CopyWorker? w = s._host.Scheduler.SelectWorker(s.Class, b.Bytes, last ? int.MaxValue : -1);
            if (w is null)
            {
                b.Execute();
                return;
            }
            lock (s._txLock) s._copiesOutstanding++;
            Interlocked.Increment(ref s._workerCopies);
            b.Queued = true;
            w.Enqueue(b);
        }

        /// <summary>True when credit arrived meanwhile; false when the wait is registered (the grant wakes us).</summary>
        private bool WaitForCredit()
        {
            VnsSocket s = _s;
            lock (s._txLock)
            {
                if (s._txError != SocketError.Success) throw new SocketException((int)s._txError, s._txErrorMessage);
                if (s._sndGrant - s._sndNxt > 0) return false;
                _ct.ThrowIfCancellationRequested();
                s._creditWaits++;
                _wait = WaitCredit;
                return true;
            }
        }

        /// <summary>True when no copy request is outstanding; false when the wait is registered.</summary>
        private bool CopiesDone()
        {
            lock (_s._txLock)
            {
                if (_s._copiesOutstanding == 0) return true;
                _wait = WaitCopies;
                return false;
            }
        }

        private void Finish(Exception? error)
        {
            VnsSocket s = _s;
            _reg.Unregister();
            _reg = default;
            int length = _buffer.Length;
            _buffer = default;
            if (error is not null)
            {
                if (error is OperationCanceledException && _ct.IsCancellationRequested)
                {
                    if (_pos > 0) s.Abort(SocketError.OperationAborted, "A send was cancelled after part of it had been sent; the connection was aborted.", true);
                    error = new OperationCanceledException(_ct);
                }
                else if (error is not (SocketException or ObjectDisposedException or OperationCanceledException))
                {
                    // A channel failed under us (the transport's own exception): the socket cannot continue.
                    string msg = $"A channel to {s.RemoteEndPoint} failed while sending: {error.Message}";
                    s.Abort(SocketError.ConnectionAborted, msg, true);
                    error = new SocketException((int)SocketError.ConnectionAborted, msg);
                }
            }
            else s._host.CountSent(length);
            if (error is null && Volatile.Read(ref _sync) == SyncRunning && ++_syncStreak >= SyncCompletionsBeforeYield)
            {
                // Many sends in a row completed at once (no credit, slot or copy wait): complete this one through
                // the thread pool, so an application loop of sends that never waits gives its pool thread back now
                // and then instead of starving other work items (a latency-class continuation among them). Start
                // finds _sync still SyncRunning and returns the awaitable.
                _syncStreak = 0;
                _yieldLength = length;
                _yielding = true;
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }
            s.EndSend();
            _syncError = error; // written before the exchange (a full fence) that lets Start read it
            if (Interlocked.CompareExchange(ref _sync, SyncCompleted, SyncRunning) == SyncRunning) return; // Start returns the outcome itself
            _syncError = null;
            if (error is null) _core.SetResult(length);
            else _core.SetException(error);
        }

        public int GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
