using System;
using System.Threading;

namespace NetChannel.Device;

/// <summary>
/// Native memory the device can reach by DMA: a host pointer for the CPU and a bus address for
/// descriptors. The device backend that allocated it maps it for its device; <see cref="Dispose"/> unmaps
/// and frees it. The only type above the device layer that holds a raw pointer.
/// </summary>
public abstract unsafe class DmaRegion : IDisposable
{
    private int _disposed;

    /// <summary>Creates a region over memory the backend allocated and mapped.</summary>
    /// <param name="pointer">CPU address of the first byte.</param>
    /// <param name="busAddress">The address the device uses for the first byte.</param>
    /// <param name="length">Length in bytes.</param>
    protected DmaRegion(byte* pointer, ulong busAddress, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Pointer = pointer;
        BusAddress = busAddress;
        Length = length;
    }

    /// <summary>CPU address of the first byte (valid until disposed).</summary>
    public byte* Pointer { get; }

    /// <summary>The device's address of the first byte.</summary>
    public ulong BusAddress { get; }

    /// <summary>Length in bytes.</summary>
    public int Length { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The whole region.</summary>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return new Span<byte>(Pointer, Length);
        }
    }

    /// <summary>The bytes <c>[offset, offset + length)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the region.</exception>
    public Span<byte> Slice(int offset, int length)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if ((uint)offset > (uint)Length || (uint)length > (uint)(Length - offset))
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, {offset}+{length}) is outside the {Length}-byte DMA region");
        return new Span<byte>(Pointer + offset, length);
    }

    /// <summary>Bus address of the byte at <paramref name="offset"/>.</summary>
    public ulong BusAddressOf(int offset)
    {
        if ((uint)offset > (uint)Length) throw new ArgumentOutOfRangeException(nameof(offset));
        return BusAddress + (ulong)offset;
    }

    /// <summary>Unmaps the region from the device, then frees it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps (the device must not touch the memory once this returns) and frees the memory.</summary>
    protected abstract void Release();
}
