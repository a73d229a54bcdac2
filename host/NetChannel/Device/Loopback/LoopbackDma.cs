using System;
using System.Runtime.InteropServices;

namespace NetChannel.Device.Loopback;

/// <summary>Native memory mapped for one loopback device: bus address = virtual address, as in-process.</summary>
internal sealed unsafe class LoopbackDmaRegion : DmaRegion
{
    private readonly LoopbackDevice _device;

    private LoopbackDmaRegion(LoopbackDevice device, byte* pointer, int length)
        : base(pointer, (ulong)pointer, length)
    {
        _device = device;
    }

    public static LoopbackDmaRegion Allocate(LoopbackDevice device, int length)
    {
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)length, 4096);
        if (p == null) throw new OutOfMemoryException($"cannot allocate {length} bytes of DMA memory");
        NativeMemory.Clear(p, (nuint)length);
        return new LoopbackDmaRegion(device, p, length);
    }

    protected override void Release()
    {
        // Unmap first: when Unmap returns the engine no longer touches the memory.
        _device.Unmap(this);
        NativeMemory.AlignedFree(Pointer);
    }
}

/// <summary>
/// The ranges one device may reach by DMA (its IOMMU). Owned by the engine thread: no locking.
/// Sorted by start address; a lookup is a binary search and allocates nothing.
/// </summary>
internal sealed class DmaMap
{
    private ulong[] _start = new ulong[16];
    private ulong[] _end = new ulong[16];
    private int _count;

    public int Count => _count;

    public void Add(ulong start, int length)
    {
        if (_count == _start.Length)
        {
            Array.Resize(ref _start, _count * 2);
            Array.Resize(ref _end, _count * 2);
        }
        int i = _count;
        while (i > 0 && _start[i - 1] > start)
        {
            _start[i] = _start[i - 1];
            _end[i] = _end[i - 1];
            i--;
        }
        _start[i] = start;
        _end[i] = start + (ulong)length;
        _count++;
    }

    public void Remove(ulong start)
    {
        int i = Find(start);
        if (i < 0 || _start[i] != start) return;
        for (int j = i; j < _count - 1; j++)
        {
            _start[j] = _start[j + 1];
            _end[j] = _end[j + 1];
        }
        _count--;
    }

    public void Clear() => _count = 0;

    /// <summary>True when <c>[addr, addr + length)</c> lies inside one mapped range (length 0: addr inside or at the end of one).</summary>
    public bool Contains(ulong addr, long length)
    {
        if (length < 0) return false;
        ulong end = addr + (ulong)length;
        if (end < addr) return false; // wraps the address space
        int i = Find(addr);
        return i >= 0 && end <= _end[i];
    }

    // Index of the last range starting at or below addr, or -1.
    private int Find(ulong addr)
    {
        int lo = 0, hi = _count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_start[mid] <= addr) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }
}
