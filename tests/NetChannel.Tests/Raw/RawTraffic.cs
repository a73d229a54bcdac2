using System;
using System.Collections.Generic;
using System.Linq;
using NetChannel.Wire;

namespace NetChannel.Tests.Raw;

/// <summary>
/// Messages over raw channel pairs, every one checked at the far end: delivered exactly once, with its
/// payload intact, its NetChannel fields and length as sent, its PSN the one its position in the sender's
/// ring gave it; every Tx descriptor completed OK in ring order. The host keeps every Rx ring full and
/// returns completion slots (DB_CPL) before it reuses descriptor slots, as docs/nic.md requires.
/// </summary>
internal sealed class RawTraffic
{
    /// <summary>One direction of one channel pair.</summary>
    internal sealed class Flow
    {
        public required RawChannel Tx { get; init; }
        public required RawChannel Rx { get; init; }
        public required int[] Lengths { get; init; }
        public required byte[] Seen { get; init; }
        public int Posted, Completed, Received;
        public long Bytes;
        public int Total => Lengths.Length;
    }

    private sealed class ChanState
    {
        public Flow? Out, In;
        public int TxDone, RxUsed;
    }

    private readonly DeviceTime _time;
    private readonly Random _rng;
    private readonly byte[] _block;   // payload of message (flow, id) = _block[offset(flow, id) ..][..len]
    private readonly List<Flow> _flows = new();
    private readonly Dictionary<RawChannel, ChanState> _chans = new();
    private string? _error;

    public RawTraffic(DeviceTime time, int seed)
    {
        _time = time;
        _rng = new Random(seed);
        _block = new byte[2 * Spec.MaxPayloadBytes + 64];
        _rng.NextBytes(_block);
    }

    public IReadOnlyList<Flow> Flows => _flows;

    /// <summary>Messages received, payload bytes received.</summary>
    public (long Messages, long Bytes) Totals => (_flows.Sum(f => (long)f.Received), _flows.Sum(f => f.Bytes));

    /// <summary>Adds a flow of <paramref name="count"/> messages from <paramref name="tx"/> to its peer <paramref name="rx"/>.</summary>
    public Flow Add(RawChannel tx, RawChannel rx, int count, Func<Random, int> size)
    {
        var f = new Flow { Tx = tx, Rx = rx, Lengths = Enumerable.Range(0, count).Select(_ => size(_rng)).ToArray(), Seen = new byte[count] };
        if (f.Lengths.Any(l => l < 1 || l > Spec.MaxPayloadBytes)) throw new ArgumentOutOfRangeException(nameof(size), "message sizes are 1 to MAX_PAYLOAD_BYTES");
        State(tx).Out = State(tx).Out is null ? f : throw new InvalidOperationException($"channel {tx.Id} already sends a flow");
        State(rx).In = State(rx).In is null ? f : throw new InvalidOperationException($"channel {rx.Id} already receives a flow");
        _flows.Add(f);
        return f;
    }

    private ChanState State(RawChannel c)
    {
        if (!_chans.TryGetValue(c, out ChanState? s)) _chans[c] = s = new ChanState();
        return s;
    }

    private int Offset(Flow f, int id) => (int)((uint)(_flows.IndexOf(f) * 7919 + id * 104729 + (id >> 3) * 31) % (uint)(Spec.MaxPayloadBytes + 1));

    private ReadOnlySpan<byte> Payload(Flow f, int id) => _block.AsSpan(Offset(f, id), f.Lengths[id]);

    private void Fail(string e) => _error ??= e;

    /// <summary>
    /// Runs until every message is received and completed; returns null, or the first error (including a
    /// stall: no progress for a whole wait budget × <paramref name="stallScale"/>).
    /// </summary>
    public string? Run(double stallScale = 1)
    {
        foreach (var (c, s) in _chans) if (s.In is not null) PostRx(c, s);
        while (_error is null)
        {
            long before = Progress();
            bool done = true;
            foreach (var (c, s) in _chans)
            {
                if (s.Out is { } f) PostTx(c, s, f);
                Drain(c, s);
                if (s.In is not null) PostRx(c, s);
            }
            foreach (Flow f in _flows) if (f.Received < f.Total || f.Completed < f.Total) done = false;
            if (done || _error is not null) break;
            if (Progress() != before) continue;
            // Nothing happened: let the device run until something does.
            if (!_time.WaitUntil(() => _chans.Keys.Any(c => c.HasCompletion), stallScale))
            {
                Fail("stalled: " + string.Join("; ", _flows.Select(fl =>
                    $"{fl.Tx.Nic.Dev.Description} ch {fl.Tx.Id} -> ch {fl.Rx.Id}: received {fl.Received}/{fl.Total}, completed {fl.Completed}")));
            }
        }
        return _error;
    }

    private long Progress() => _flows.Sum(f => (long)f.Received + f.Completed + f.Posted);

    private void PostTx(RawChannel c, ChanState s, Flow f)
    {
        int n = 0;
        while (f.Posted < f.Total && c.TxProd - s.TxDone < c.TxSize)
        {
            int id = f.Posted++;
            int len = f.Lengths[id];
            Payload(f, id).CopyTo(c.TxBuffer(c.TxProd));
            c.PutTx(new TxDescriptor
            {
                Addr = c.TxBufferBus(c.TxProd), Len = (uint)len, Tag = (ushort)id, SrcPort = (ushort)c.Id, DstPort = (ushort)f.Rx.Id,
                Seq = (uint)id, Grant = (uint)len, MsgType = NetChannelType.Data,
            });
            n++;
        }
        if (n > 0) c.RingTx();
    }

    private void PostRx(RawChannel c, ChanState s)
    {
        int n = 0;
        while (c.RxProd - s.RxUsed < c.RxSize)
        {
            c.PutRx(new RxDescriptor { Addr = c.RxBufferBus(c.RxProd), Len = (uint)c.RxBufBytes, Tag = (ushort)c.RxProd });
            n++;
        }
        if (n > 0) c.RingRx();
    }

    private void Drain(RawChannel c, ChanState s)
    {
        int n = 0;
        while (c.TryCompletion(out Completion k))
        {
            n++;
            if (k.Channel != c.Id) Fail($"completion for channel {k.Channel} on the ring of channel {c.Id}");
            if (k.Kind == CompletionKind.Tx) OnTx(c, s, k);
            else if (k.Kind == CompletionKind.Rx) OnRx(c, s, k);
            else Fail($"channel {c.Id}: unexpected completion kind {k.Kind}");
        }
        if (n > 0) c.DbCpl(arm: false);
    }

    private void OnTx(RawChannel c, ChanState s, in Completion k)
    {
        Flow? f = s.Out;
        int i = s.TxDone++;
        if (f is null) { Fail($"channel {c.Id}: Tx completion without a flow"); return; }
        if (k.Index != (ushort)i) Fail($"channel {c.Id}: Tx completion index {k.Index}, expected {(ushort)i} (ring order)");
        else if (k.Status != CompletionStatus.Ok) Fail($"channel {c.Id}: Tx completion {i} status {k.Status}");
        else if (k.Tag != (ushort)i || k.Len != f.Lengths[i] || k.Psn != unchecked(c.InitPsn + (uint)i))
            Fail($"channel {c.Id}: Tx completion {i}: tag {k.Tag}, len {k.Len} (sent {f.Lengths[i]}), PSN {k.Psn} (expected {unchecked(c.InitPsn + (uint)i)})");
        f.Completed++;
    }

    private void OnRx(RawChannel c, ChanState s, in Completion k)
    {
        Flow? f = s.In;
        int i = s.RxUsed++;
        if (f is null) { Fail($"channel {c.Id}: Rx completion without a flow"); return; }
        if (k.Index != (ushort)i || k.Tag != (ushort)i) { Fail($"channel {c.Id}: Rx completion index {k.Index} tag {k.Tag}, expected {(ushort)i} (ring order)"); return; }
        if (k.Status != CompletionStatus.Ok) { Fail($"channel {c.Id}: Rx completion {i} status {k.Status}"); return; }
        uint id = k.Seq;
        if (id >= (uint)f.Total) { Fail($"channel {c.Id}: message id {id} out of range"); return; }
        if (f.Seen[id] != 0) { Fail($"channel {c.Id}: message {id} delivered twice"); return; }
        f.Seen[id] = 1;
        int len = f.Lengths[(int)id];
        if (k.Len != len || k.Grant != (uint)len) { Fail($"channel {c.Id}: message {id} length {k.Len}/{k.Grant}, sent {len}"); return; }
        if (k.SrcPort != (ushort)f.Tx.Id || k.DstPort != (ushort)c.Id || k.MsgType != NetChannelType.Data)
        { Fail($"channel {c.Id}: message {id}: NetChannel fields {k.SrcPort}/{k.DstPort}/{k.MsgType} differ from those sent"); return; }
        if (k.Psn != unchecked(f.Tx.InitPsn + id)) { Fail($"channel {c.Id}: message {id} PSN {k.Psn}, sent as {unchecked(f.Tx.InitPsn + id)}"); return; }
        ReadOnlySpan<byte> got = c.RxBuffer(i).Slice(0, len);
        if (!got.SequenceEqual(Payload(f, (int)id)))
        {
            int at = 0;
            ReadOnlySpan<byte> want = Payload(f, (int)id);
            while (at < len && got[at] == want[at]) at++;
            Fail($"channel {c.Id}: message {id} ({len} bytes): payload differs from byte {at}");
            return;
        }
        f.Received++;
        f.Bytes += len;
    }
}
