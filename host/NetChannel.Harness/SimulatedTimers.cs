using System;
using NetChannel.Driver;
using NetChannel.Vns;

namespace NetChannel.Harness;

/// <summary>
/// Timer settings for hosts on simulated NICs. Every host-runtime timer about the device or a peer runs on
/// the device's clock; the library's defaults (seconds: a connect timeout of 10 s, a liveness timeout of
/// 10 s) suit a card, whose clock runs at wall speed, but a simulated NIC's 250 MHz clock runs at
/// 0.1–0.5 M cycles per wall second — 10 s of its time would be hours. These are the same timers scaled
/// to the simulated network: its round trip is a few thousand cycles (tens of µs) and the NIC's
/// retransmission timeout 100 µs, so a management retry every 400 µs and a liveness timeout of 10 ms
/// (2.5 M cycles: 5–25 s of wall time) keep the ratios of a real deployment.
/// </summary>
public static class SimulatedTimers
{
    /// <summary>Driver timers: open 20 ms, retry 400 µs, close 20 ms, liveness 10 ms (keep-alive 2.5 ms),
    /// channel command 1 ms — all device time.</summary>
    /// <param name="o">The options to change.</param>
    /// <returns><paramref name="o"/>.</returns>
    public static NicHostOptions Apply(NicHostOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.OpenTimeout = TimeSpan.FromMilliseconds(20);
        o.RetryInterval = TimeSpan.FromMicroseconds(400);
        o.CloseTimeout = TimeSpan.FromMilliseconds(20);
        o.LivenessTimeout = TimeSpan.FromMilliseconds(10);
        o.KeepAliveInterval = TimeSpan.Zero;
        o.CommandTimeout = TimeSpan.FromMilliseconds(1);
        return o;
    }

    /// <summary>Socket and scheduler timers: connect 40 ms (SYN retry from 1 ms), shutdown drain 2 ms, idle
    /// retirement after 4 ms, channel keep-alive every 1 ms, retirement timeout 20 ms — all device time.</summary>
    /// <param name="o">The options to change.</param>
    /// <returns><paramref name="o"/>.</returns>
    public static VnsHostOptions Apply(VnsHostOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.ConnectTimeout = TimeSpan.FromMilliseconds(40);
        o.SynRetryInterval = TimeSpan.FromMilliseconds(1);
        o.ShutdownDrainTimeout = TimeSpan.FromMilliseconds(2);
        o.Scheduler.IdleRetireAfter = TimeSpan.FromMilliseconds(4);
        o.Scheduler.KeepAliveInterval = TimeSpan.FromMilliseconds(1);
        o.Scheduler.RetireTimeout = TimeSpan.FromMilliseconds(20);
        return o;
    }
}
