using System;
using System.IO;
using NetChannel.Device;
using NetChannel.Device.Simulated;

namespace NetChannel.Tests;

/// <summary>The simulator tests share the machine's two cores: one collection, run one class at a time.</summary>
[CollectionDefinition("Simulator", DisableParallelization = true)]
public sealed class SimulatorCollection;

/// <summary>
/// build/sim/libncsim_testdev.so — libncsim around its own test fixture (tests/sim/nc_testdev.sv), loaded
/// explicitly so that it never clashes with the real library bound as "ncsim" — and its registers.
/// </summary>
internal static class TestDevice
{
    public const uint IdMagic = 0x000, Scratch0 = 0x010, CycleLo = 0x020, RdDelay = 0x028, IrqFire = 0x030;
    public const uint TxAddrLo = 0x040, TxAddrHi = 0x044, TxLen = 0x048, TxChunk = 0x04C, TxCmd = 0x050, TxStatus = 0x054;
    public const uint TxFrames = 0x058, TxIrq = 0x05C;
    public const uint RxBaseLo = 0x060, RxBaseHi = 0x064, RxStride = 0x068, RxSlots = 0x06C, RxOffset = 0x070;
    public const uint RxCplLo = 0x074, RxCplHi = 0x078, RxCtrl = 0x07C, RxFrames = 0x080, RxBadFcs = 0x084, RxIdx = 0x090;
    public const uint Viol = 0x0A0, Busy = 0x0AC;
    public const uint Magic = 0x4E435444;  // 'NCTD'
    public const int TxVector = 2, RxVector = 3;

    public static string LibraryPath
    {
        get
        {
            string p = Path.Combine(TestUtil.RepoRoot, "build", "sim", "libncsim_testdev.so");
            if (!File.Exists(p)) throw new Xunit.Sdk.XunitException($"{p} is missing: build it with `make sim-testdev`");
            return p;
        }
    }

    public static SimulationOptions Options => new() { LibraryPath = LibraryPath, DmaLatencyCycles = 50, LinkLatencyCycles = 20 };

    public static void Write64(INicDevice nic, uint lo, ulong v)
    {
        nic.WriteRegister(lo, (uint)v);
        nic.WriteRegister(lo + 4, (uint)(v >> 32));
    }

    /// <summary>Received frames go to slot i of <paramref name="rx"/> at i * stride + offset, records to <paramref name="cpl"/>.</summary>
    public static void SetupRx(INicDevice nic, DmaRegion rx, DmaRegion cpl, int stride, int slots, int offset, bool interrupt)
    {
        Write64(nic, RxBaseLo, rx.BusAddress);
        nic.WriteRegister(RxStride, (uint)stride);
        nic.WriteRegister(RxOffset, (uint)offset);
        Write64(nic, RxCplLo, cpl.BusAddress);
        nic.WriteRegister(RxSlots, (uint)slots);
        nic.WriteRegister(RxCtrl, 1u | ((uint)RxVector << 8) | (interrupt ? 1u << 16 : 0));
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="busAddress"/> by DMA and sends them as one frame.</summary>
    public static void StartTx(INicDevice nic, ulong busAddress, int length, bool interrupt = false)
    {
        Write64(nic, TxAddrLo, busAddress);
        nic.WriteRegister(TxLen, (uint)length);
        nic.WriteRegister(TxChunk, 0);
        nic.WriteRegister(TxIrq, interrupt ? 0x100u | TxVector : 0);
        nic.WriteRegister(TxCmd, 1);
    }

    /// <summary>Waits until the transmit command is done; returns TX_STATUS.</summary>
    public static uint WaitTx(INicDevice nic)
    {
        for (int i = 0; i < 100_000; i++)
        {
            uint st = nic.ReadRegister(TxStatus);
            if ((st & 1) == 0) return st;
        }
        throw new TimeoutException("the test device stayed busy");
    }
}
