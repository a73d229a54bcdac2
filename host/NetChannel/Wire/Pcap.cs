using System;
using System.Buffers.Binary;
using System.IO;

namespace NetChannel.Wire;

/// <summary>Constants of the classic libpcap file format.</summary>
public static class PcapFormat
{
    /// <summary>Magic of a microsecond-resolution file, as a native 32-bit value.</summary>
    public const uint MagicMicroseconds = 0xA1B2C3D4;
    /// <summary>Magic of a nanosecond-resolution file, as a native 32-bit value.</summary>
    public const uint MagicNanoseconds = 0xA1B23C4D;
    /// <summary>LINKTYPE_ETHERNET.</summary>
    public const uint LinkTypeEthernet = 1;
    /// <summary>Snapshot length written by <see cref="PcapWriter"/>.</summary>
    public const int DefaultSnapLen = 65535;
    /// <summary>Size of the file header.</summary>
    public const int FileHeaderSize = 24;
    /// <summary>Size of a record header.</summary>
    public const int RecordHeaderSize = 16;
}

/// <summary>
/// Writes a classic libpcap file (nanosecond magic, little-endian, LINKTYPE_ETHERNET, snaplen 65535) to a
/// stream. <see cref="WriteFrame"/> does not allocate.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    /// <summary>Creates a writer and writes the file header.</summary>
    /// <param name="stream">The destination stream.</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open when the writer is disposed.</param>
    public PcapWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Span<byte> h = stackalloc byte[PcapFormat.FileHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, PcapFormat.MagicNanoseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(6), 4);
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(8), 0);   // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(12), 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(16), PcapFormat.DefaultSnapLen);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(20), PcapFormat.LinkTypeEthernet);
        _stream.Write(h);
    }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Appends one frame; frames longer than the snapshot length are truncated (orig_len keeps the full length).</summary>
    /// <param name="frame">The frame bytes (no FCS).</param>
    /// <param name="timestampNs">Capture time in nanoseconds since the Unix epoch.</param>
    public void WriteFrame(ReadOnlySpan<byte> frame, ulong timestampNs)
    {
        int incl = Math.Min(frame.Length, PcapFormat.DefaultSnapLen);
        Span<byte> h = stackalloc byte[PcapFormat.RecordHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)(timestampNs / 1_000_000_000UL));
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(4), (uint)(timestampNs % 1_000_000_000UL));
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(8), (uint)incl);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(12), (uint)frame.Length);
        _stream.Write(h);
        _stream.Write(frame.Slice(0, incl));
        FramesWritten++;
    }

    /// <summary>Flushes the stream.</summary>
    public void Flush() => _stream.Flush();

    /// <summary>Flushes and, unless told to leave it open, closes the stream.</summary>
    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen) _stream.Dispose();
    }
}

/// <summary>
/// Reads a classic libpcap file: micro- or nanosecond magic, either byte order. Frames are copied into a
/// caller-supplied buffer; <see cref="TryReadFrame"/> does not allocate.
/// </summary>
public sealed class PcapReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _bigEndian;

    /// <summary>Creates a reader and reads the file header.</summary>
    /// <param name="stream">The source stream.</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open when the reader is disposed.</param>
    /// <exception cref="InvalidDataException">Not a classic pcap file.</exception>
    public PcapReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Span<byte> h = stackalloc byte[PcapFormat.FileHeaderSize];
        if (!ReadFully(h)) throw new InvalidDataException("pcap: file shorter than its 24-byte header");
        uint le = BinaryPrimitives.ReadUInt32LittleEndian(h);
        uint be = BinaryPrimitives.ReadUInt32BigEndian(h);
        if (le == PcapFormat.MagicMicroseconds || le == PcapFormat.MagicNanoseconds)
        {
            _bigEndian = false;
            IsNanosecond = le == PcapFormat.MagicNanoseconds;
        }
        else if (be == PcapFormat.MagicMicroseconds || be == PcapFormat.MagicNanoseconds)
        {
            _bigEndian = true;
            IsNanosecond = be == PcapFormat.MagicNanoseconds;
        }
        else
        {
            throw new InvalidDataException($"pcap: unknown magic 0x{le:x8} (pcapng is not supported)");
        }
        VersionMajor = U16(h.Slice(4));
        VersionMinor = U16(h.Slice(6));
        SnapLen = U32(h.Slice(16));
        LinkType = U32(h.Slice(20)) & 0x0FFF_FFFF;
    }

    /// <summary>True for nanosecond timestamps, false for microseconds.</summary>
    public bool IsNanosecond { get; }
    /// <summary>True when the file is big-endian.</summary>
    public bool IsBigEndian => _bigEndian;
    /// <summary>Major version (2).</summary>
    public int VersionMajor { get; }
    /// <summary>Minor version (4).</summary>
    public int VersionMinor { get; }
    /// <summary>Snapshot length.</summary>
    public uint SnapLen { get; }
    /// <summary>Link type (1 = Ethernet).</summary>
    public uint LinkType { get; }

    /// <summary>Reads the next frame into <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Destination; must hold the captured length.</param>
    /// <param name="length">Captured bytes copied into <paramref name="buffer"/>.</param>
    /// <param name="originalLength">Length of the frame on the wire.</param>
    /// <param name="timestampNs">Capture time in nanoseconds since the Unix epoch.</param>
    /// <returns>False at the end of the file.</returns>
    /// <exception cref="InvalidDataException">The file ends inside a record or a record is too large for <paramref name="buffer"/>.</exception>
    public bool TryReadFrame(Span<byte> buffer, out int length, out int originalLength, out ulong timestampNs)
    {
        length = 0;
        originalLength = 0;
        timestampNs = 0;
        Span<byte> h = stackalloc byte[PcapFormat.RecordHeaderSize];
        int got = ReadSome(h);
        if (got == 0) return false;
        if (got < h.Length) throw new InvalidDataException("pcap: file ends inside a record header");
        ulong sec = U32(h);
        ulong frac = U32(h.Slice(4));
        uint incl = U32(h.Slice(8));
        uint orig = U32(h.Slice(12));
        if (incl > buffer.Length)
            throw new InvalidDataException($"pcap: record of {incl} bytes does not fit the {buffer.Length}-byte buffer");
        if (!ReadFully(buffer.Slice(0, (int)incl))) throw new InvalidDataException("pcap: file ends inside a frame");
        length = (int)incl;
        originalLength = (int)Math.Min(orig, int.MaxValue);
        timestampNs = sec * 1_000_000_000UL + (IsNanosecond ? frac : frac * 1000UL);
        FramesRead++;
        return true;
    }

    /// <summary>Frames read so far.</summary>
    public long FramesRead { get; private set; }

    /// <summary>Closes the stream unless told to leave it open.</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private ushort U16(ReadOnlySpan<byte> b) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
    private uint U32(ReadOnlySpan<byte> b) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private int ReadSome(Span<byte> dst)
    {
        int total = 0;
        while (total < dst.Length)
        {
            int n = _stream.Read(dst.Slice(total));
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private bool ReadFully(Span<byte> dst) => ReadSome(dst) == dst.Length;
}
