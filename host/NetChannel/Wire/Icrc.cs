using System;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace NetChannel.Wire;

/// <summary>
/// The invariant CRC (ICRC) trailer of every NetChannel frame: CRC-32 (IEEE 802.3, as zlib's <c>crc32</c>)
/// over the frame from the channel transport header (<see cref="Spec.IcrcStart"/>) to the end of the
/// payload, carried in the <see cref="Spec.IcrcBytes"/> bytes after the payload, least significant byte
/// first (as Ethernet's FCS and RoCEv2's ICRC). The Ethernet FCS only covers one link; the ICRC covers the
/// frame from the sending NIC's builder to the receiving NIC's parser, so corruption inside a switch or a
/// NIC is caught. What routers change (TTL, DSCP/ECN, the IPv4 checksum) is outside it. The RTL computes
/// it in <c>nc_icrc_append</c> and checks it in <c>nc_icrc_check</c>.
/// </summary>
public static class Icrc
{
    /// <summary>The ICRC of a frame whose last <see cref="Spec.IcrcBytes"/> bytes are its trailer (whatever they hold).</summary>
    /// <param name="frame">The whole frame, trailer included, at least <see cref="Spec.IcrcStart"/> + <see cref="Spec.IcrcBytes"/> bytes.</param>
    /// <returns>The CRC the trailer must hold.</returns>
    /// <exception cref="ArgumentException">The frame is too short to have a trailer.</exception>
    public static uint Compute(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < Spec.IcrcStart + Spec.IcrcBytes)
            throw new ArgumentException($"a frame of {frame.Length} bytes is too short for an ICRC trailer", nameof(frame));
        return Crc32.HashToUInt32(frame[Spec.IcrcStart..^Spec.IcrcBytes]);
    }

    /// <summary>Writes the trailer of <paramref name="frame"/> (its last <see cref="Spec.IcrcBytes"/> bytes) from the bytes before it.</summary>
    /// <param name="frame">The whole frame, trailer included.</param>
    /// <exception cref="ArgumentException">The frame is too short to have a trailer.</exception>
    public static void Seal(Span<byte> frame) => BinaryPrimitives.WriteUInt32LittleEndian(frame[^Spec.IcrcBytes..], Compute(frame));

    /// <summary>The trailer as received.</summary>
    /// <param name="frame">The whole frame, at least <see cref="Spec.IcrcBytes"/> bytes.</param>
    /// <returns>The value in the last <see cref="Spec.IcrcBytes"/> bytes.</returns>
    public static uint Trailer(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt32LittleEndian(frame[^Spec.IcrcBytes..]);

    /// <summary>True when the frame is long enough to carry a trailer and the trailer matches.</summary>
    /// <param name="frame">The whole frame, trailer included.</param>
    /// <returns>Whether the ICRC checks.</returns>
    public static bool IsValid(ReadOnlySpan<byte> frame) =>
        frame.Length >= Spec.IcrcStart + Spec.IcrcBytes && Compute(frame) == Trailer(frame);
}
