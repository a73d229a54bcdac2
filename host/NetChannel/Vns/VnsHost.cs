using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Copy;
using NetChannel.Scheduling;
using NetChannel.Wire;

namespace NetChannel.Vns;

/// <summary>Identity of a virtual socket: transport, peer, local port, remote port.</summary>
internal readonly record struct SocketKey(int Binding, uint PeerIp, ushort LocalPort, ushort RemotePort);

/// <summary>Counters of a host's virtual-socket layer (a snapshot).</summary>
public sealed record VnsHostCounters
{
    /// <summary>Connects that completed.</summary>
    public long Connects { get; init; }

    /// <summary>Connects refused by the peer (RST: nobody listening).</summary>
    public long ConnectsRefused { get; init; }

    /// <summary>Connects that timed out (the peer never answered).</summary>
    public long ConnectTimeouts { get; init; }

    /// <summary>SYNs sent again because no answer came.</summary>
    public long SynRetries { get; init; }

    /// <summary>Connections accepted by the protocol (queued for AcceptAsync).</summary>
    public long Accepted { get; init; }

    /// <summary>SYNs for a port nobody listens on (answered with RST).</summary>
    public long SynsRefused { get; init; }

    /// <summary>SYNs ignored because the listener's backlog was full.</summary>
    public long BacklogDrops { get; init; }

    /// <summary>RST messages sent.</summary>
    public long RstSent { get; init; }

    /// <summary>RST messages received.</summary>
    public long RstReceived { get; init; }

    /// <summary>Messages for a socket that does not exist (DATA and SYN_ACK are answered with RST).</summary>
    public long UnknownSocketMessages { get; init; }

    /// <summary>Malformed or unexpected messages (the sum of the <c>Ignored*</c> counters below and the credit violations).</summary>
    public long ProtocolErrors { get; init; }

    /// <summary>RSTs ignored: their sequence is neither an echo of what the socket sent nor the peer's send
    /// position within the credit (not from the connection's stream).</summary>
    public long IgnoredRsts { get; init; }

    /// <summary>FINs ignored: before data that arrived, beyond the credit granted, or another end than a FIN
    /// already said.</summary>
    public long IgnoredFins { get; init; }

    /// <summary>SYN_ACKs ignored: not for the ISN of the connecting socket.</summary>
    public long IgnoredSynAcks { get; init; }

    /// <summary>Grants ignored: beyond anything a receive buffer can offer.</summary>
    public long IgnoredGrants { get; init; }

    /// <summary>Messages of a type sockets do not know.</summary>
    public long IgnoredUnknownTypes { get; init; }

    /// <summary>Data beyond the credit a socket granted: the socket was reset (the peer broke the protocol).</summary>
    public long CreditViolations { get; init; }

    /// <summary>Sockets reset because the peer left more separate out-of-order fragments in the receive window
    /// than its bookkeeping may hold (a 64th of the window in entries, at least 1024).</summary>
    public long FragmentationResets { get; init; }

    /// <summary>SYNs refused (RST) because the peer already has <see cref="VnsHostOptions.MaxConnectionsPerPeer"/> sockets here.</summary>
    public long SynsRefusedPeerLimit { get; init; }

    /// <summary>SYNs refused (RST) because the host has <see cref="VnsHostOptions.MaxConnections"/> sockets.</summary>
    public long SynsRefusedHostLimit { get; init; }

    /// <summary>Sockets aborted because a channel they used went down.</summary>
    public long SocketsAbortedByChannelLoss { get; init; }

    /// <summary>Bytes handed to SendAsync and sent.</summary>
    public long BytesSent { get; init; }

    /// <summary>Sockets open now.</summary>
    public long OpenSockets { get; init; }

    /// <summary>Sockets disposed.</summary>
    public long SocketsClosed { get; init; }
}

/// <summary>
/// The virtual-socket layer of one application host: its transports (one per NIC), the NetScheduler, the
/// copy workers, and the sockets and listeners. Connect with <see cref="ConnectAsync"/>, listen with
/// <see cref="ListenAsync"/>; sockets are <see cref="VnsSocket"/>s, wrap them in a
/// <see cref="NetChannelStream"/> or a <see cref="VnsRpcConnection"/>.
/// </summary>
public sealed class VnsHost : IAsyncDisposable, IChannelEvents
{
    private readonly ConcurrentDictionary<SocketKey, VnsSocket> _sockets = new();
    private readonly ConcurrentDictionary<ushort, VnsListener> _listeners = new();
    private readonly List<(ITransportHost Transport, TransportBinding Binding)> _transports = new();
    private readonly VnsMetrics _metrics;
    private int _nextPort;
    private int _disposed;
    private long _connects, _refused, _timeouts, _synRetries, _accepted, _synsRefused, _backlogDrops, _rstSent, _rstReceived;
    private long _unknown, _lossAborts, _bytesSent, _closed, _creditViolations, _fragmentationResets, _refusedPeer, _refusedHost;
    private readonly long[] _ignored = new long[(int)Ignored.Count];
    private readonly ConcurrentDictionary<(int Binding, uint Ip), int> _perPeer = new();
    private int _socketCount;

    /// <summary>Why a message was ignored (<see cref="VnsHostCounters"/>).</summary>
    internal enum Ignored { Rst, Fin, SynAck, Grant, UnknownType, Count }

    /// <summary>Creates the host: starts the copy workers and the scheduler. Add transports with
    /// <see cref="AddTransportAsync"/> (or <c>AddNicAsync</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message says which).</exception>
    public VnsHost(VnsHostOptions? options = null)
    {
        Options = options ?? new VnsHostOptions();
        Options.Validate();
        CopyWorkers = new CopyWorkerPool(Options.CopyWorkers, Options.Name);
        Scheduler = new NetScheduler(Options.Scheduler, CopyWorkers, this);
        RxItems = new ObjectPool<RxCopyItem>(() => new RxCopyItem(RxItems!), 1024);
        TxItems = new ObjectPool<TxCopyItem>(() => new TxCopyItem(TxItems!), 256);
        _nextPort = Options.EphemeralPortFirst + RandomNumberGenerator.GetInt32(Options.EphemeralPortLast - Options.EphemeralPortFirst + 1);
        _metrics = new VnsMetrics(this);
    }

    /// <summary>Creates a host over <paramref name="transports"/> (the host owns and disposes them).</summary>
    public static async ValueTask<VnsHost> StartAsync(IEnumerable<ITransportHost> transports, VnsHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transports);
        var host = new VnsHost(options);
        try
        {
            foreach (ITransportHost t in transports) await host.AddTransportAsync(t, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return host;
    }

    /// <summary>The options in use.</summary>
    public VnsHostOptions Options { get; }

    /// <summary>The NetScheduler (policies, counters, channel groups).</summary>
    public NetScheduler Scheduler { get; }

    /// <summary>The copy worker threads.</summary>
    public CopyWorkerPool CopyWorkers { get; }

    /// <summary>The instruments of this host (meter "NetChannel.Vns", tagged with the host's name).</summary>
    public System.Diagnostics.Metrics.Meter Meter => _metrics.Meter;

    /// <summary>Tests: chooses initial sequence numbers (to force wrap-around); null = random.</summary>
    internal Func<uint>? IsnGenerator { get; set; }

    internal ObjectPool<RxCopyItem> RxItems { get; }
    internal ObjectPool<TxCopyItem> TxItems { get; }

    /// <summary>The transports (NICs) of this host.</summary>
    public IReadOnlyList<ITransportHost> Transports
    {
        get
        {
            lock (_transports)
            {
                var l = new ITransportHost[_transports.Count];
                for (int i = 0; i < l.Length; i++) l[i] = _transports[i].Transport;
                return l;
            }
        }
    }

    /// <summary>Adds a transport (a NIC) and starts it; the host owns and disposes it.</summary>
    public async ValueTask AddTransportAsync(ITransportHost transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        TransportBinding binding = Scheduler.AddTransport(transport);
        lock (_transports) _transports.Add((transport, binding));
        await transport.StartAsync(binding, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a NIC: starts the NetDriver on <paramref name="device"/> (a <see cref="NicTransport"/>).
    /// The device stays the caller's; the driver is stopped with the host.</summary>
    /// <returns>The transport, whose <see cref="NicTransport.NicHost"/> is the driver.</returns>
    public async ValueTask<NicTransport> AddNicAsync(NetChannel.Device.INicDevice device, NetChannel.Driver.NicHostOptions options, CancellationToken cancellationToken = default)
    {
        var t = new NicTransport(device, options);
        await AddTransportAsync(t, cancellationToken).ConfigureAwait(false);
        return t;
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Counters of the virtual-socket layer.</summary>
    public VnsHostCounters Counters => new()
    {
        Connects = Volatile.Read(ref _connects), ConnectsRefused = Volatile.Read(ref _refused), ConnectTimeouts = Volatile.Read(ref _timeouts),
        SynRetries = Volatile.Read(ref _synRetries), Accepted = Volatile.Read(ref _accepted), SynsRefused = Volatile.Read(ref _synsRefused),
        BacklogDrops = Volatile.Read(ref _backlogDrops), RstSent = Volatile.Read(ref _rstSent), RstReceived = Volatile.Read(ref _rstReceived),
        UnknownSocketMessages = Volatile.Read(ref _unknown), ProtocolErrors = IgnoredTotal() + Volatile.Read(ref _creditViolations) + Volatile.Read(ref _fragmentationResets),
        IgnoredRsts = Volatile.Read(ref _ignored[(int)Ignored.Rst]), IgnoredFins = Volatile.Read(ref _ignored[(int)Ignored.Fin]),
        IgnoredSynAcks = Volatile.Read(ref _ignored[(int)Ignored.SynAck]), IgnoredGrants = Volatile.Read(ref _ignored[(int)Ignored.Grant]),
        IgnoredUnknownTypes = Volatile.Read(ref _ignored[(int)Ignored.UnknownType]), CreditViolations = Volatile.Read(ref _creditViolations),
        FragmentationResets = Volatile.Read(ref _fragmentationResets),
        SynsRefusedPeerLimit = Volatile.Read(ref _refusedPeer), SynsRefusedHostLimit = Volatile.Read(ref _refusedHost),
        SocketsAbortedByChannelLoss = Volatile.Read(ref _lossAborts), BytesSent = Volatile.Read(ref _bytesSent), OpenSockets = _sockets.Count,
        SocketsClosed = Volatile.Read(ref _closed),
    };

    internal void CountIgnored(Ignored why) => Interlocked.Increment(ref _ignored[(int)why]);
    internal void CountCreditViolation() => Interlocked.Increment(ref _creditViolations);
    internal void CountFragmentationReset() => Interlocked.Increment(ref _fragmentationResets);

    private long IgnoredTotal()
    {
        long n = 0;
        for (int i = 0; i < _ignored.Length; i++) n += Volatile.Read(ref _ignored[i]);
        return n;
    }
    internal void CountRstSent() => Interlocked.Increment(ref _rstSent);
    internal void CountRstReceived() => Interlocked.Increment(ref _rstReceived);
    internal void CountSent(int bytes) => Interlocked.Add(ref _bytesSent, bytes);
    internal void CountClosed() => Interlocked.Increment(ref _closed);

    internal IEnumerable<VnsSocket> Sockets => _sockets.Values;

    // ---- listen / connect ---------------------------------------------------------------------------

    /// <summary>Listens on <paramref name="port"/> on every transport of the host.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not in [1, 65535].</exception>
    /// <exception cref="SocketException">The port is already listened on (<see cref="SocketError.AddressAlreadyInUse"/>).</exception>
    public ValueTask<VnsListener> ListenAsync(int port, VnsListenerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "virtual ports are 1 to 65535 (0 is reserved for channel control)");
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new VnsListenerOptions();
        options.Validate();
        var l = new VnsListener(this, (ushort)port, options);
        if (!_listeners.TryAdd((ushort)port, l))
            throw new SocketException((int)SocketError.AddressAlreadyInUse, $"Virtual port {port} is already listened on.");
        return new ValueTask<VnsListener>(l);
    }

    internal void RemoveListener(VnsListener l) => _listeners.TryRemove(new KeyValuePair<ushort, VnsListener>(l.Port, l));

    /// <summary>Connects to <paramref name="remote"/> (an IPv4 address some transport reaches, and a virtual
    /// port): SYN, retried, until SYN_ACK; fails with <see cref="SocketError.ConnectionRefused"/> when
    /// nobody listens there and <see cref="SocketError.TimedOut"/> when the peer never answers.</summary>
    /// <exception cref="ArgumentException"><paramref name="remote"/> is not IPv4 or its port is 0.</exception>
    /// <exception cref="SocketException">Refused, timed out, unreachable (no transport reaches the address,
    /// or no channel could be opened).</exception>
    /// <exception cref="OperationCanceledException">Cancelled by <paramref name="cancellationToken"/>.</exception>
    public async ValueTask<VnsSocket> ConnectAsync(IPEndPoint remote, VnsSocketOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (remote.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException($"{remote} is not an IPv4 endpoint; NetChannel carries IPv4 only.", nameof(remote));
        if (remote.Port == 0) throw new ArgumentException("The virtual port must not be 0 (reserved for channel control).", nameof(remote));
        options ??= new VnsSocketOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        uint ip = IpToHost(remote.Address);
        TransportBinding binding = FindBinding(ip) ?? throw new SocketException((int)SocketError.HostUnreachable, $"No transport of this host reaches {remote.Address}.");
        ChannelGroup group = Scheduler.GetGroup(binding, ip, options.Class);
        Scheduler.EnsureInitialChannels(group);
        int rcvBuf = options.ReceiveBufferSize != 0 ? options.ReceiveBufferSize : Options.DefaultReceiveBuffer(options.Class);
        uint isn = IsnGenerator?.Invoke() ?? (uint)RandomNumberGenerator.GetInt32(int.MaxValue) * 2u + (uint)RandomNumberGenerator.GetInt32(2);
        VnsSocket socket = Register(binding, group, ip, (ushort)remote.Port, isn, rcvBuf);
        TimeSpan timeout = options.ConnectTimeout ?? Options.ConnectTimeout;
        TimeProvider clock = binding.Clock;   // the device's time: a slow simulator does not time a connect out early
        using var deviceTimeout = new CancellationTokenSource(timeout, clock);
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deviceTimeout.Token);
        try
        {
            try
            {
                await Scheduler.WaitForChannelAsync(group, timeoutCts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                throw new SocketException((int)OpenErrorToSocketError(ex), $"No channel to {remote.Address} could be opened: {ex.Message}");
            }
            TimeSpan retry = Options.SynRetryInterval;
            while (true)
            {
                socket.SendSyn();
                try
                {
                    await socket.ConnectedTask.WaitAsync(retry, clock, timeoutCts.Token).ConfigureAwait(false);
                    break;
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref _synRetries);
                    if (retry < Options.SynRetryInterval * 8) retry *= 2;
                }
            }
            Interlocked.Increment(ref _connects);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _timeouts);
            Unregister(socket);
            await socket.DisposeAsync().ConfigureAwait(false);
            throw new SocketException((int)SocketError.TimedOut, $"Connecting to {remote} timed out after {timeout.TotalSeconds:0.###} s of device time: the peer did not answer.");
        }
        catch (SocketException ex)
        {
            if (ex.SocketErrorCode == SocketError.ConnectionRefused) Interlocked.Increment(ref _refused);
            Unregister(socket);
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch
        {
            Unregister(socket);
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What a failed channel open means for a connect.</summary>
    private static SocketError OpenErrorToSocketError(Exception ex) => ex switch
    {
        NetChannel.Driver.NetChannelException { Error: NetChannel.Driver.NetChannelError.ConnectionRefused } => SocketError.ConnectionRefused,
        NetChannel.Driver.NetChannelException { Error: NetChannel.Driver.NetChannelError.TimedOut } => SocketError.TimedOut,
        NetChannel.Driver.NetChannelException { Error: NetChannel.Driver.NetChannelError.NoResources } => SocketError.NoBufferSpaceAvailable,
        SocketException se => se.SocketErrorCode,
        TimeoutException => SocketError.TimedOut,
        _ => SocketError.HostUnreachable,
    };

    internal static uint IpToHost(IPAddress a)
    {
        Span<byte> b = stackalloc byte[4];
        if (!a.TryWriteBytes(b, out int n) || n != 4) throw new ArgumentException($"{a} is not an IPv4 address.");
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private TransportBinding? FindBinding(uint ip)
    {
        lock (_transports)
            foreach ((ITransportHost t, TransportBinding b) in _transports)
                if (t.CanReach(ip)) return b;
        return null;
    }

    private VnsSocket Register(TransportBinding binding, ChannelGroup group, uint ip, ushort remotePort, uint isn, int rcvBuf)
    {
        int first = Options.EphemeralPortFirst, range = Options.EphemeralPortLast - first + 1;
        for (int tries = 0; tries < range; tries++)
        {
            int p = Interlocked.Increment(ref _nextPort);
            ushort port = (ushort)(first + (int)((uint)(p - first) % (uint)range));
            if (_listeners.ContainsKey(port)) continue;
            var key = new SocketKey(binding.Index, ip, port, remotePort);
            if (_sockets.ContainsKey(key)) continue;
            var s = new VnsSocket(this, group, key, isn, rcvBuf, connecting: true);
            if (!TryCount(key, perPeerLimit: int.MaxValue, out _))
            {
                s.Receive.Close();
                throw new SocketException((int)SocketError.TooManyOpenSockets, $"This host has {Options.MaxConnections} sockets (VnsHostOptions.MaxConnections).");
            }
            if (_sockets.TryAdd(key, s)) return s;
            Uncount(key);
            s.Receive.Close();
        }
        throw new SocketException((int)SocketError.TooManyOpenSockets, $"No free ephemeral port towards {remotePort}.");
    }

    internal void Unregister(VnsSocket s)
    {
        if (_sockets.TryRemove(new KeyValuePair<SocketKey, VnsSocket>(s.Key, s))) Uncount(s.Key);
    }

    /// <summary>Counts a socket about to be registered against the host's and its peer's limits; false (and
    /// nothing counted) when either is reached (<paramref name="hostLimit"/> tells which).</summary>
    private bool TryCount(SocketKey key, int perPeerLimit, out bool hostLimit)
    {
        hostLimit = false;
        if (Interlocked.Increment(ref _socketCount) > Options.MaxConnections)
        {
            Interlocked.Decrement(ref _socketCount);
            hostLimit = true;
            return false;
        }
        var peer = (key.Binding, key.PeerIp);
        while (true)
        {
            int n = _perPeer.GetOrAdd(peer, 0);
            if (n >= perPeerLimit)
            {
                Interlocked.Decrement(ref _socketCount);
                return false;
            }
            if (_perPeer.TryUpdate(peer, n + 1, n)) return true;
        }
    }

    private void Uncount(SocketKey key)
    {
        Interlocked.Decrement(ref _socketCount);
        var peer = (key.Binding, key.PeerIp);
        while (true)
        {
            if (!_perPeer.TryGetValue(peer, out int n)) return;
            if (n <= 1 ? _perPeer.TryRemove(new KeyValuePair<(int, uint), int>(peer, n)) : _perPeer.TryUpdate(peer, n - 1, n)) return;
        }
    }

    // ---- messages (poller threads) --------------------------------------------------------------------

    void IChannelEvents.OnSocketMessage(ScheduledChannel sc, in MessageHeader h, RxPayload payload)
    {
        if (h.Type == NetChannelType.Syn)
        {
            payload.Release();
            OnSyn(sc, h);
            return;
        }
        var key = new SocketKey(sc.Binding.Index, sc.Transport.PeerIp, h.DstPort, h.SrcPort);
        if (!_sockets.TryGetValue(key, out VnsSocket? s))
        {
            payload.Release();
            Interlocked.Increment(ref _unknown);
            // Like TCP: data (or an accept) for a connection that does not exist resets it at the peer;
            // late ACKs and FINs of a connection closed here are dropped silently; never answer a RST.
            // The RST echoes the message's sequence: the peer accepts it only as an answer to what it sent.
            if (h.Type is NetChannelType.Data or NetChannelType.SynAck)
            {
                Interlocked.Increment(ref _rstSent);
                Scheduler.SendControl(sc.Group, new MessageHeader(h.DstPort, h.SrcPort, h.Seq, 0, NetChannelType.Rst), sc.Transport.Class, 0);
            }
            return;
        }
        sc.CountRxClass(s.Class);
        s.OnMessage(sc, h, payload);
    }

    private void OnSyn(ScheduledChannel sc, in MessageHeader h)
    {
        sc.CountRxClass(sc.Transport.Class);
        if (IsDisposed || !_listeners.TryGetValue(h.DstPort, out VnsListener? listener) || listener.IsDisposed)
        {
            Interlocked.Increment(ref _synsRefused);
            RefuseSyn(sc, h);
            return;
        }
        var key = new SocketKey(sc.Binding.Index, sc.Transport.PeerIp, h.DstPort, h.SrcPort);
        if (_sockets.TryGetValue(key, out VnsSocket? existing))
        {
            if (existing.Isn == h.Seq)
            {
                existing.SendSynAck(); // a retried SYN: answer again
                return;
            }
            // The client reused the port: the old connection no longer exists at its end.
            existing.Abort(SocketError.ConnectionReset, $"{existing.RemoteEndPoint} reconnected from the same port.", false);
        }
        if (!TryCount(key, Options.MaxConnectionsPerPeer, out bool hostLimit))
        {
            Interlocked.Increment(ref hostLimit ? ref _refusedHost : ref _refusedPeer);
            RefuseSyn(sc, h);
            return;
        }
        ChannelGroup group = Scheduler.GetGroup(sc.Binding, sc.Transport.PeerIp, sc.Transport.Class);
        int rcvBuf = listener.Options.ReceiveBufferSize != 0 ? listener.Options.ReceiveBufferSize : Options.DefaultReceiveBuffer(group.Class);
        // No credit and no memory until the application accepts it (VnsListener.AcceptAsync → OnAccepted), and
        // the ring only once data must be copied: a SYN costs this object, nothing more.
        var s = new VnsSocket(this, group, key, h.Seq, rcvBuf, connecting: false);
        s.SetInitialGrant(h.Grant);
        s.NoteChannel(sc);
        if (!_sockets.TryAdd(key, s))
        {
            Uncount(key);
            s.Receive.Close(); // a duplicate SYN on another poller won the race
            return;
        }
        if (!listener.TryEnqueue(s))
        {
            Unregister(s);
            s.Receive.Close();
            Interlocked.Increment(ref _backlogDrops);
            return;
        }
        Interlocked.Increment(ref _accepted);
        s.SendSynAck();
    }

    /// <summary>Answers a SYN that gets no socket with a RST echoing its sequence (the client's ISN).</summary>
    private void RefuseSyn(ScheduledChannel sc, in MessageHeader h)
    {
        Interlocked.Increment(ref _rstSent);
        Scheduler.SendControl(sc.Group, new MessageHeader(h.DstPort, h.SrcPort, h.Seq, 0, NetChannelType.Rst), sc.Transport.Class, 0);
    }

    void IChannelEvents.OnChannelLost(ScheduledChannel sc, bool failed, Exception? error)
    {
        bool groupGone = sc.Group.Active.Length == 0;
        string why = $"Channel {sc.Transport.Id} to {new IPAddress(VnsSocket.HostToNetwork(sc.Transport.PeerIp))} {(failed ? "failed" : "closed")}"
            + (error is null ? "" : $": {error.Message}") + "; data on it may be lost.";
        foreach (VnsSocket s in _sockets.Values)
        {
            if (s.Group != sc.Group || !(groupGone || s.UsedChannel(sc))) continue;
            Interlocked.Increment(ref _lossAborts);
            s.Abort(SocketError.ConnectionAborted, why, !groupGone);
        }
    }

    // ---- shutdown -----------------------------------------------------------------------------------

    /// <summary>Resets every socket, stops the listeners, closes the channels, stops the workers and
    /// disposes the transports.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (VnsListener l in _listeners.Values) await l.DisposeAsync().ConfigureAwait(false);
        foreach (VnsSocket s in _sockets.Values) s.Abort(SocketError.Shutdown, "The VnsHost was shut down.", true);
        await Scheduler.CloseAllChannelsAsync(Options.ShutdownDrainTimeout).ConfigureAwait(false);
        Scheduler.Dispose();
        (ITransportHost, TransportBinding)[] ts;
        lock (_transports) ts = _transports.ToArray();
        foreach ((ITransportHost t, _) in ts)
        {
            try
            {
                await t.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Shutting down: a transport that fails to stop cleanly is gone anyway.
            }
        }
        CopyWorkers.Dispose();
        _metrics.Dispose();
    }
}
