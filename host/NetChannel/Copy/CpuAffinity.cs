using System;
using System.Runtime.InteropServices;

namespace NetChannel.Copy;

/// <summary>Pins the calling thread to CPUs with Linux <c>sched_setaffinity(2)</c> (libc, through
/// <c>LibraryImport</c>). Elsewhere every call reports "not supported" and changes nothing.</summary>
public static partial class CpuAffinity
{
    private const int MaskWords = 16; // 1024 CPUs, the glibc cpu_set_t size

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SchedGetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    /// <summary>True on Linux, where affinity can be set.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Restricts the calling thread to CPU <paramref name="cpu"/>.</summary>
    /// <returns>0 on success, else the errno (e.g. 22 EINVAL for a CPU this process may not use); -1 when not supported.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cpu"/> is negative or ≥ 1024.</exception>
    public static unsafe int SetCurrentThread(int cpu)
    {
        if ((uint)cpu >= MaskWords * 64) throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "CPU number must be in [0, 1024)");
        if (!IsSupported) return -1;
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu >> 6] = 1UL << (cpu & 63);
        return SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The CPUs the calling thread may run on (empty when not supported or the call failed).</summary>
    public static unsafe int[] GetCurrentThread()
    {
        if (!IsSupported) return [];
        ulong* mask = stackalloc ulong[MaskWords];
        if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0) return [];
        int n = 0;
        for (int w = 0; w < MaskWords; w++) n += System.Numerics.BitOperations.PopCount(mask[w]);
        int[] cpus = new int[n];
        int k = 0;
        for (int c = 0; c < MaskWords * 64; c++)
            if ((mask[c >> 6] & (1UL << (c & 63))) != 0) cpus[k++] = c;
        return cpus;
    }
}
