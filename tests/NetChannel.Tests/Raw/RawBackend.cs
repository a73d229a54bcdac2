using System;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Device.Simulated;

namespace NetChannel.Tests.Raw;

/// <summary>Two NICs joined to each other, as the device-level tests see them.</summary>
internal abstract class RawBackend : IDisposable
{
    /// <summary>NIC A (the simulator's NIC 0).</summary>
    public abstract INicDevice A { get; }

    /// <summary>NIC B (the simulator's NIC 1).</summary>
    public abstract INicDevice B { get; }

    /// <summary>How time passes while a test waits.</summary>
    public abstract DeviceTime Time { get; }

    /// <summary>CAP_CHANNELS the backend is built with.</summary>
    public abstract int Channels { get; }

    /// <summary>CAP_EVENT_QUEUES the backend is built with.</summary>
    public abstract int EventQueues { get; }

    /// <summary>
    /// DMA write bursts a test makes the host refuse on purpose (an Rx buffer it unmapped): the simulated backend
    /// then expects exactly this many writes outside mapped memory instead of none.
    /// </summary>
    public int RefusedWritesExpected { get; set; }

    /// <summary>Fails the test if the backend saw something wrong on its own side (a DMA rule broken by the device, a write outside mapped memory).</summary>
    public virtual void CheckHealthy() { }

    public abstract void Dispose();
}

/// <summary>The loopback test device pair (NetChannel.Device.Loopback): software, on its own engine thread.</summary>
internal sealed class LoopbackBackend : RawBackend
{
    public LoopbackBackend(LoopbackOptions? options = null)
    {
        Options = options ?? new LoopbackOptions { Channels = 64, EventQueues = 4 };
        Pair = new LoopbackDevicePair(Options);
        Time = new WallClockTime(Pair);
    }

    public LoopbackOptions Options { get; }
    public LoopbackDevicePair Pair { get; }
    public override INicDevice A => Pair.A;
    public override INicDevice B => Pair.B;
    public override DeviceTime Time { get; }
    public override int Channels => Options.Channels;
    public override int EventQueues => Options.EventQueues;
    public override void Dispose() => Pair.Dispose();
}

/// <summary>Two simulated NICs (libncsim: the nc_nic RTL under Verilator), paused and stepped by the test.</summary>
internal sealed class SimulatedBackend : RawBackend
{
    public SimulatedBackend(SimulationOptions? options = null)
    {
        Options = (options ?? new SimulationOptions { Seed = 1 }) with { StartPaused = true };
        Sys = new SimulatedNicSystem(Options);
        Stepped = new SteppedTime(Sys);
    }

    public SimulationOptions Options { get; }
    public SimulatedNicSystem Sys { get; }
    public SteppedTime Stepped { get; }
    public override INicDevice A => Sys.Nic0;
    public override INicDevice B => Sys.Nic1;
    public override DeviceTime Time => Stepped;
    public override int Channels => 1024;
    public override int EventQueues => 8;

    public override void CheckHealthy()
    {
        Assert.Null(Sys.LastError);
        Assert.Null(Sys.InterruptHandlerFault);
        ulong writeFaults = 0;
        foreach (SimulatedNic nic in new[] { Sys.Nic0, Sys.Nic1 })
        {
            SimulatedNicStatistics st = nic.GetStatistics();
            Assert.True(st.ProtocolViolations == 0, $"{nic}: {st.ProtocolViolations} DMA/register protocol violations");
            writeFaults += st.DmaWriteFaults;
        }
        Assert.True(writeFaults == (ulong)RefusedWritesExpected,
                    $"{writeFaults} DMA writes outside the memory mapped for the NICs ({RefusedWritesExpected} refused on purpose)");
    }

    public override void Dispose() => Sys.Dispose();
}
