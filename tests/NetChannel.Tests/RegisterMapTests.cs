using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Device.Simulated;
using NetChannel.Wire;

namespace NetChannel.Tests;

/// <summary>
/// The register map has one source of truth (hw/spec/netchannel.toml) from which hw/spec/gen.py writes the
/// RTL's field structs and reset constants, the C# register types and <see cref="RegisterMap"/>, and the
/// register tables of docs/protocol.md. These tests fail when the three disagree: the RTL NIC (through
/// libncsim) and the loopback device are checked against <see cref="RegisterMap"/> — every reset value,
/// every read-write field readable back and nothing outside the fields — and the docs' table against it too.
/// </summary>
[Collection("Simulator")]
public sealed class RegisterMapTests
{
    /// <summary>Registers whose writes do more than store (MGMT_CTRL.enable takes effect only with a valid
    /// configuration: it reads back 0 here, where none is set).</summary>
    private static uint WritableBits(RegisterInfo r) => r.Name == "MGMT_CTRL" ? r.Mask & ~1u : r.Mask;

    private static void CheckDevice(INicDevice nic, string what)
    {
        var errors = new List<string>();
        foreach (RegisterInfo r in RegisterMap.All)
        {
            if (r.Access == RegisterAccess.Snapshot || r.Access == RegisterAccess.WriteOnly) continue;
            for (int i = 0; i < r.Count; i++)
            {
                uint a = (uint)(r.Address + 4 * i);
                uint v = nic.ReadRegister(a);
                if (r.Reset is uint reset && v != reset) errors.Add($"{r.Name}[{i}] reads 0x{v:X8} after reset, the spec says 0x{reset:X8}");
                if ((v & ~r.Mask) != 0) errors.Add($"{r.Name}[{i}] reads 0x{v:X8}: bits outside its fields (mask 0x{r.Mask:X8}) are set");
            }
        }
        foreach (RegisterInfo r in RegisterMap.All.Where(r => r.Access == RegisterAccess.ReadWrite && r.Name != "CTRL"))
        {
            uint a = (uint)r.Address;
            nic.WriteRegister(a, 0xFFFF_FFFF);
            uint ones = nic.ReadRegister(a);
            nic.WriteRegister(a, 0);
            uint zeros = nic.ReadRegister(a);
            if (ones != WritableBits(r)) errors.Add($"{r.Name}: all ones written, 0x{ones:X8} read back; the spec's fields are 0x{WritableBits(r):X8}");
            if (zeros != 0) errors.Add($"{r.Name}: 0 written, 0x{zeros:X8} read back");
        }
        // Write-only registers read 0.
        foreach (RegisterInfo r in RegisterMap.All.Where(r => r.Access == RegisterAccess.WriteOnly))
        {
            uint v = nic.ReadRegister((uint)r.Address);
            if (v != 0) errors.Add($"{r.Name} (write-only) reads 0x{v:X8}");
        }
        Assert.True(errors.Count == 0, $"{what} disagrees with the spec's register map:\n  " + string.Join("\n  ", errors));
    }

    [RealNicFact]
    public void TheRtlNicMatchesTheSpecsRegisterMap()
    {
        using var sys = new SimulatedNicSystem(new SimulationOptions { Seed = 1 });
        CheckDevice(sys.Nic0, "the RTL NIC (nc_nic through libncsim)");
    }

    [Fact]
    public void TheLoopbackDeviceMatchesTheSpecsRegisterMap()
    {
        using var pair = new LoopbackDevicePair(new LoopbackOptions { Channels = 16 });
        CheckDevice(pair.A, "the loopback device");
    }

    [Fact]
    public void EveryCounterTheSpecNamesIsWhereTheMapSaysAndCountsUpFromZero()
    {
        using var pair = new LoopbackDevicePair(new LoopbackOptions { Channels = 16 });
        foreach (NicCounter c in Enum.GetValues<NicCounter>())
        {
            RegisterInfo lo = RegisterMap.All.Single(r => r.Address == Registers.Counter(c));
            RegisterInfo hi = RegisterMap.All.Single(r => r.Address == Registers.Counter(c) + 4);
            Assert.Equal(RegisterAccess.Snapshot, lo.Access);
            Assert.Equal(RegisterAccess.ReadOnly, hi.Access);
            Assert.EndsWith("_LO", lo.Name);
            Assert.Equal(lo.Name[..^3] + "_HI", hi.Name);
            Assert.Equal(0u, pair.A.ReadRegister((uint)lo.Address));
        }
    }

    [Fact]
    public void TheDocsRegisterTableIsTheSpecs()
    {
        string doc = File.ReadAllText(Path.Combine(TestUtil.RepoRoot, "docs", "protocol.md"));
        var rows = new Dictionary<string, (int Address, string Access)>();
        foreach (Match m in Regex.Matches(doc, @"^\| 0x([0-9A-F]{4})(?:–0x[0-9A-F]{4})? \| `([A-Z0-9_]+)` \| (rw|ro|wo|snap) \|", RegexOptions.Multiline))
            rows[m.Groups[2].Value] = (Convert.ToInt32(m.Groups[1].Value, 16), m.Groups[3].Value);
        foreach (Match m in Regex.Matches(doc, @"^\| \d+ \| `(CNT_[A-Z0-9_]+_LO)` 0x([0-9A-F]{4}) \| `(CNT_[A-Z0-9_]+_HI)` 0x([0-9A-F]{4}) \|", RegexOptions.Multiline))
        {
            rows[m.Groups[1].Value] = (Convert.ToInt32(m.Groups[2].Value, 16), "snap");
            rows[m.Groups[3].Value] = (Convert.ToInt32(m.Groups[4].Value, 16), "ro");
        }
        string Acc(RegisterAccess a) => a switch
        {
            RegisterAccess.ReadWrite => "rw", RegisterAccess.ReadOnly => "ro", RegisterAccess.WriteOnly => "wo", _ => "snap",
        };
        foreach (RegisterInfo r in RegisterMap.All)
        {
            Assert.True(rows.TryGetValue(r.Name, out var row), $"{r.Name} is not in docs/protocol.md's register tables (run make gen)");
            Assert.Equal((r.Address, Acc(r.Access)), row);
        }
        Assert.Equal(RegisterMap.All.Length, rows.Count);
    }
}
