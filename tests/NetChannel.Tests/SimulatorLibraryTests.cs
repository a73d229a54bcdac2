using System;
using System.IO;
using NetChannel.Device;
using NetChannel.Device.Simulated;

namespace NetChannel.Tests;

/// <summary>Finding libncsim, and the errors when it is missing or the options are bad.</summary>
[Collection("Simulator")]
public class SimulatorLibraryTests
{
    [Fact]
    public void EnvironmentVariableWins()
    {
        string p = NcsimLibrary.Locate("/opt/x/libncsim.so", TestUtil.RepoRoot)!;
        Assert.Equal("/opt/x/libncsim.so", p);
    }

    [Fact]
    public void WalksUpToTheRepositoryRoot()
    {
        string nested = Path.Combine(TestUtil.RepoRoot, "host", "NetChannel", "Device");
        Assert.Equal(Path.Combine(TestUtil.RepoRoot, "build", "sim", "libncsim.so"), NcsimLibrary.Locate(null, nested));
        Assert.Equal(Path.Combine(TestUtil.RepoRoot, "build", "sim", "libncsim.so"), NcsimLibrary.Locate("  ", nested));
        // From this test assembly's directory, as the backend does.
        Assert.Equal(Path.Combine(TestUtil.RepoRoot, "build", "sim", "libncsim.so"), NcsimLibrary.Locate(null, AppContext.BaseDirectory));
    }

    [Fact]
    public void NothingOutsideARepository()
    {
        string dir = TestUtil.TempDir("ncsim-locate");
        try
        {
            Assert.Null(NcsimLibrary.Locate(null, dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MissingLibrarySaysWhatToBuild()
    {
        var e = Assert.Throws<DllNotFoundException>(() => new SimulatedNicSystem(new SimulationOptions { LibraryPath = "/nonexistent/libncsim.so" }));
        Assert.Contains("make sim", e.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/libncsim.so", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherLibraryIsRefused()
    {
        string? libz = new[] { "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1" }
            .FirstOrDefaultExisting();
        Assert.True(libz is not null, "no libz.so.1 to try");
        var e = Assert.Throws<DllNotFoundException>(() => new SimulatedNicSystem(new SimulationOptions { LibraryPath = libz }));
        Assert.Contains("not a libncsim build", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(SimulationOptions.Loss))]
    [InlineData(nameof(SimulationOptions.Reorder))]
    [InlineData(nameof(SimulationOptions.Duplicate))]
    [InlineData(nameof(SimulationOptions.Corrupt))]
    [InlineData(nameof(SimulationOptions.LinkBytesPerCycle))]
    [InlineData(nameof(SimulationOptions.RxFifoBytes))]
    [InlineData(nameof(SimulationOptions.ResetCycles))]
    [InlineData(nameof(SimulationOptions.MmioTimeout))]
    [InlineData(nameof(SimulationOptions.PcapPath))]
    public void BadOptionsAreRefusedByName(string field)
    {
        SimulationOptions o = field switch
        {
            nameof(SimulationOptions.Loss) => new() { Loss = 1.5 },
            nameof(SimulationOptions.Reorder) => new() { Reorder = -0.1 },
            nameof(SimulationOptions.Duplicate) => new() { Duplicate = double.NaN },
            nameof(SimulationOptions.Corrupt) => new() { Corrupt = 2 },
            nameof(SimulationOptions.LinkBytesPerCycle) => new() { LinkBytesPerCycle = 65 },
            nameof(SimulationOptions.RxFifoBytes) => new() { RxFifoBytes = 100 },
            nameof(SimulationOptions.ResetCycles) => new() { ResetCycles = 0 },
            nameof(SimulationOptions.MmioTimeout) => new() { MmioTimeout = TimeSpan.Zero },
            _ => new() { PcapPath = "" },
        };
        // Refused before any library is looked for.
        o = o with { LibraryPath = "/nonexistent/libncsim.so" };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedNicSystem(o));
        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void DefaultsAreLibncsimDefaults()
    {
        // The C# defaults restate ncsim_config_init (docs/simulator.md): compare with the library's.
        var o = new SimulationOptions();
        Assert.Equal(o, SimulatedNicSystem.LibraryDefaults(TestDevice.LibraryPath));
        Assert.Equal(200u, o.DmaLatencyCycles);
        Assert.Equal(50.0, o.LinkBytesPerCycle);
        using var sys = new SimulatedNicSystem(new SimulationOptions { LibraryPath = TestDevice.LibraryPath, StartPaused = true });
        Assert.Equal("nc_testdev", sys.DeviceName);
        Assert.Equal(0UL, sys.Cycles);
        Assert.Equal("simulated NIC 1 (nc_testdev, libncsim)", sys.Nic1.Description);
        Assert.Equal(250e6, ((INicDevice)sys.Nic0).ClockHz);
    }
}

internal static class PathListExtensions
{
    public static string? FirstOrDefaultExisting(this string[] paths)
    {
        foreach (string p in paths) if (File.Exists(p)) return p;
        return null;
    }
}
