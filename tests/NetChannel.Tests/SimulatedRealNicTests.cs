using System;
using System.IO;
using NetChannel.Device;
using NetChannel.Device.Simulated;
using NetChannel.Wire;

namespace NetChannel.Tests;

/// <summary>A fact that needs the real NIC RTL (hw/rtl/nc_nic.sv, built into build/sim/libncsim.so by `make sim`): skipped until it exists.</summary>
public sealed class RealNicFactAttribute : FactAttribute
{
    /// <summary>Skips when the NIC's RTL is not in the repository yet.</summary>
    public RealNicFactAttribute()
    {
        string? root = HdrToolRoot();
        if (root is null || !File.Exists(Path.Combine(root, "hw", "rtl", "nc_nic.sv")))
            Skip = "needs hw/rtl/nc_nic.sv (the NIC RTL is not in this branch yet)";
    }

    private static string? HdrToolRoot() => NetChannel.Harness.HdrTool.FindRepoRoot();
}

/// <summary>
/// The backend over the real library — libncsim.so bound as "ncsim" through [LibraryImport], two nc_nic —
/// using only <see cref="INicDevice"/>: what holds before any driver programs the NIC.
/// </summary>
[Collection("Simulator")]
public class SimulatedRealNicTests
{
    [RealNicFact]
    public void DefaultLibraryIsTwoRealNics()
    {
        using var sys = new SimulatedNicSystem(new SimulationOptions());
        Assert.Equal("nc_nic", sys.DeviceName);
        foreach (INicDevice nic in new INicDevice[] { sys.Nic0, sys.Nic1 })
        {
            Assert.Equal(Spec.NicMagic, nic.ReadRegister((uint)Registers.IdMagic));
            Assert.Equal((uint)Spec.SpecVersion, nic.ReadRegister((uint)Registers.IdVersion) & 0xFFFF);
            Assert.Equal(1024u, nic.ReadRegister((uint)Registers.CapChannels));
        }
    }

    [RealNicFact]
    public void IdleNicsDoNothingAndBreakNoRule()
    {
        using var sys = new SimulatedNicSystem(new SimulationOptions { StartPaused = true });
        sys.Step(100_000);
        LinkStatistics l = sys.GetLinkStatistics();
        Assert.Equal(0UL, l.Nic0ToNic1.FramesSent + l.Nic1ToNic0.FramesSent);
        Assert.Equal(0UL, sys.Nic0.GetStatistics().ProtocolViolations + sys.Nic1.GetStatistics().ProtocolViolations);
        Assert.Null(sys.LastError);
    }
}
