using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Driver;
using NetChannel.Scheduling;

namespace NetChannel.Vns;

/// <summary>
/// A NIC as a transport of the virtual-socket layer: the NetDriver's <see cref="NicHost"/> (over any
/// <see cref="INicDevice"/>: the simulated NIC, the loopback test device, a card) adapted to
/// <see cref="ITransportHost"/>. Nothing is allocated per message: a Tx lease is the slot's ring index
/// (<see cref="TxSlot.Index"/>), a received buffer is kept in a per-channel table under its
/// <see cref="RxBuffer.Id"/>.
/// </summary>
public sealed class NicTransport : ITransportHost, IMessageSink
{
    private readonly INicDevice _device;
    private readonly NicHostOptions _options;
    private readonly ConcurrentDictionary<int, DriverChannel> _channels = new();
    private ITransportSink? _sink;
    private NicHost? _host;

    /// <summary>Prepares the transport; <see cref="StartAsync"/> (called by <see cref="VnsHost"/>) starts the
    /// driver. The device stays the caller's: disposing the transport stops the driver, not the device.</summary>
    /// <param name="device">The NIC.</param>
    /// <param name="options">The driver's options (address, neighbours, rings, pollers).</param>
    public NicTransport(INicDevice device, NicHostOptions options)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The driver (after <see cref="StartAsync"/>).</summary>
    /// <exception cref="InvalidOperationException">Not started.</exception>
    public NicHost NicHost => _host ?? throw new InvalidOperationException("the transport is not started");

    /// <inheritdoc/>
    public string Description => _device.Description;

    /// <inheritdoc/>
    public uint LocalIp => _options.Ip;

    /// <summary>The NIC's clock (<see cref="NicHost.Clock"/>) once started; the system's before.</summary>
    public TimeProvider Clock => _host is { } h ? h.Clock : TimeProvider.System;

    /// <inheritdoc/>
    public bool CanReach(uint ip) => ip != LocalIp && (_host is { } h ? h.TryResolve(ip, out _) : _options.Neighbors.ContainsKey(ip));

    /// <inheritdoc/>
    public async ValueTask StartAsync(ITransportSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.CompareExchange(ref _sink, sink, null) is not null) throw new InvalidOperationException("the transport was already started");
        _host = await NicHost.StartAsync(_device, _options, this, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<ITransportChannel> OpenChannelAsync(uint peerIp, TrafficClass trafficClass, CancellationToken cancellationToken)
    {
        Channel ch = await NicHost.OpenChannelAsync(peerIp, (ChannelClass)trafficClass, cancellationToken).ConfigureAwait(false);
        return Wrap(ch);
    }

    /// <summary>Stops the driver (every channel is aborted; peers are told).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is { } h) await h.DisposeAsync().ConfigureAwait(false);
    }

    private DriverChannel Wrap(Channel ch) =>
        _channels.TryGetValue(ch.Id, out DriverChannel? dc) && ReferenceEquals(dc.Channel, ch) ? dc : Add(ch);

    // Separate from Wrap: a lambda capturing locals would allocate its closure on every call of Wrap.
    private DriverChannel Add(Channel ch)
    {
        var n = new DriverChannel(ch);
        return _channels.AddOrUpdate(ch.Id, n, (_, old) => ReferenceEquals(old.Channel, ch) ? old : n);
    }

    void IMessageSink.OnChannelOpened(Channel channel) => _sink!.OnChannelOpened(Wrap(channel));

    void IMessageSink.OnMessage(Channel channel, in NcMessage message, RxBuffer payload)
    {
        DriverChannel dc = Wrap(channel);
        _sink!.OnMessage(dc, new MessageHeader(message.SrcPort, message.DstPort, message.Seq, message.Grant, message.Type), dc.Hold(payload));
    }

    void IMessageSink.OnChannelDown(Channel channel, Exception error)
    {
        DriverChannel dc = Wrap(channel);
        _channels.TryRemove(new System.Collections.Generic.KeyValuePair<int, DriverChannel>(channel.Id, dc));
        _sink!.OnChannelDown(dc, channel.State == ChannelState.Failed, error);
    }

    /// <inheritdoc/>
    public override string ToString() => $"NicTransport {Description}";

    /// <summary>One driver channel as an <see cref="ITransportChannel"/>.</summary>
    private sealed class DriverChannel : ITransportChannel
    {
        private readonly RxBuffer[] _held;

        public DriverChannel(Channel channel)
        {
            Channel = channel;
            _held = new RxBuffer[channel.RxPoolBuffers];
        }

        public Channel Channel { get; }

        public int Id => Channel.Id;
        public uint PeerIp => Channel.Peer.Ip;
        public TrafficClass Class => (TrafficClass)Channel.Class;
        public bool IsOpen => Channel.State == ChannelState.Open;
        public int MaxPayload => Channel.MaxPayload;
        public long QueuedBytes => Channel.QueuedBytes;
        public int QueuedMessages => Channel.QueuedMessages;
        public int RxBufferCount => _held.Length;

        public bool TryReserve(out TxLease lease)
        {
            if (Channel.TryReserve(out TxSlot slot))
            {
                lease = new TxLease(this, slot.Index);
                return true;
            }
            lease = default;
            return false;
        }

        public ValueTask<TxLease> ReserveAsync(CancellationToken cancellationToken)
        {
            ValueTask<TxSlot> vt = Channel.ReserveAsync(cancellationToken);
            return vt.IsCompletedSuccessfully ? new ValueTask<TxLease>(new TxLease(this, vt.Result.Index)) : Await(vt);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<TxLease> Await(ValueTask<TxSlot> vt) => new TxLease(this, (await vt.ConfigureAwait(false)).Index);

        public Span<byte> GetTxBuffer(int token) => Channel.GetReservedSlot(token).Buffer;

        public void Commit(in TxLease lease, in MessageHeader header, int length) =>
            Channel.Commit(Channel.GetReservedSlot(lease.Token), new NcMessage(header.SrcPort, header.DstPort, header.Seq, header.Grant, header.Type), length);

        public ValueTask CloseAsync(CancellationToken cancellationToken) => Channel.CloseAsync(cancellationToken);

        /// <summary>Keeps a delivered buffer under its id (unique among the buffers not yet released).</summary>
        public RxPayload Hold(RxBuffer payload)
        {
            _held[payload.Id] = payload;
            return new RxPayload(this, payload.Id, payload.Length);
        }

        public ReadOnlySpan<byte> GetRxSpan(int token, int length) => _held[token].Span[..length];

        public void ReleaseRx(int token)
        {
            RxBuffer b = _held[token];
            _held[token] = default; // before Release: once released, the id may be handed out again
            b.Release();
        }

        public override string ToString() => Channel.ToString();
    }
}
