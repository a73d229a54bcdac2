using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using NetChannel.Copy;
using NetChannel.Scheduling;

namespace NetChannel.Vns;

/// <summary>The host's instruments (<see cref="System.Diagnostics.Metrics"/>): observable counters read
/// from the counters the host keeps anyway, so measuring costs nothing on the data path.</summary>
internal sealed class VnsMetrics : IDisposable
{
    public VnsMetrics(VnsHost host)
    {
        Meter = new Meter("NetChannel.Vns", null, [new KeyValuePair<string, object?>("netchannel.host", host.Options.Name)]);
        Meter m = Meter;
        NetScheduler s = host.Scheduler;

        m.CreateObservableCounter("netchannel.vns.connects", () => host.Counters.Connects, "{connection}", "Connects that completed");
        m.CreateObservableCounter("netchannel.vns.connects.refused", () => host.Counters.ConnectsRefused, "{connection}", "Connects refused (RST)");
        m.CreateObservableCounter("netchannel.vns.connects.timed_out", () => host.Counters.ConnectTimeouts, "{connection}", "Connects that timed out");
        m.CreateObservableCounter("netchannel.vns.accepted", () => host.Counters.Accepted, "{connection}", "Connections accepted");
        m.CreateObservableCounter("netchannel.vns.rst.sent", () => host.Counters.RstSent, "{message}", "RST messages sent");
        m.CreateObservableCounter("netchannel.vns.rst.received", () => host.Counters.RstReceived, "{message}", "RST messages received");
        m.CreateObservableCounter("netchannel.vns.protocol_errors", () => host.Counters.ProtocolErrors, "{message}", "Malformed or unexpected messages");
        m.CreateObservableCounter("netchannel.vns.sent", () => host.Counters.BytesSent, "By", "Bytes sent by virtual sockets");
        m.CreateObservableCounter("netchannel.vns.sockets.aborted_by_channel_loss", () => host.Counters.SocketsAbortedByChannelLoss, "{socket}", "Sockets aborted because a channel they used went down");
        m.CreateObservableUpDownCounter("netchannel.vns.sockets.open", () => host.Counters.OpenSockets, "{socket}", "Open virtual sockets");

        m.CreateObservableCounter("netchannel.scheduler.channel_selections", () => s.Counters.ChannelSelections, "{decision}", "Chunks and control messages given a channel");
        m.CreateObservableCounter("netchannel.scheduler.channel_skips", () => s.Counters.ChannelSkips, "{decision}", "Channels passed over (queue above threshold)");
        m.CreateObservableCounter("netchannel.scheduler.copies.inline", () => s.Counters.InlineCopies + s.Counters.InlineCopiesAllWorkersBusy, "{copy}", "Copies done by the calling thread");
        m.CreateObservableCounter("netchannel.scheduler.copies.worker", () => s.Counters.WorkerCopies, "{copy}", "Copy requests handed to workers");
        m.CreateObservableCounter("netchannel.scheduler.worker_skips", () => s.Counters.WorkerSkips, "{decision}", "Workers passed over (queue above threshold)");
        m.CreateObservableCounter("netchannel.scheduler.scale_ups", () => s.Counters.ScaleUps, "{channel}", "Channels added under load");
        m.CreateObservableCounter("netchannel.scheduler.scale_ups_at_limit", () => s.Counters.ScaleUpsAtLimit, "{decision}", "Scale-ups refused at the class maximum");
        m.CreateObservableCounter("netchannel.scheduler.retirements", () => s.Counters.RetiresCompleted, "{channel}", "Idle channels retired");
        m.CreateObservableCounter("netchannel.scheduler.keepalives", () => s.Counters.KeepAlives, "{message}", "Keep-alive probes");
        m.CreateObservableCounter("netchannel.scheduler.channels.failed", () => s.Counters.ChannelsFailed, "{channel}", "Channels that failed");
        m.CreateObservableCounter("netchannel.scheduler.channels.lost", () => s.Counters.ChannelsLost, "{channel}", "Channels that went down outside a retirement");
        m.CreateObservableUpDownCounter("netchannel.scheduler.channels", () => ChannelsByClass(s), "{channel}", "Active channels by class");
        m.CreateObservableCounter("netchannel.copy.bytes", () => WorkerBytes(host.CopyWorkers), "By", "Bytes copied by each copy worker");
    }

    public Meter Meter { get; }

    private static IEnumerable<Measurement<long>> ChannelsByClass(NetScheduler s)
    {
        long t = 0, l = 0;
        foreach (GroupStats g in s.Snapshot().Groups)
        {
            if (g.Class == TrafficClass.Latency) l += g.Active;
            else t += g.Active;
        }
        return [new Measurement<long>(t, new KeyValuePair<string, object?>("netchannel.class", "throughput")),
                new Measurement<long>(l, new KeyValuePair<string, object?>("netchannel.class", "latency"))];
    }

    private static IEnumerable<Measurement<long>> WorkerBytes(CopyWorkerPool pool)
    {
        CopyWorkerStats[] ws = pool.Snapshot();
        var r = new Measurement<long>[ws.Length];
        for (int i = 0; i < ws.Length; i++)
            r[i] = new Measurement<long>(ws[i].Bytes, new KeyValuePair<string, object?>("netchannel.worker", ws[i].Index),
                new KeyValuePair<string, object?>("netchannel.class", ws[i].Class == TrafficClass.Latency ? "latency" : "throughput"));
        return r;
    }

    public void Dispose() => Meter.Dispose();
}
