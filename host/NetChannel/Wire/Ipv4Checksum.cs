using System;

namespace NetChannel.Wire;

/// <summary>The Internet checksum (RFC 1071) as used by the IPv4 header.</summary>
public static class Ipv4Checksum
{
    /// <summary>
    /// The 16-bit ones'-complement sum of <paramref name="data"/> taken as big-endian 16-bit words
    /// (an odd trailing byte is padded with zero), with the carries folded in. Not complemented.
    /// </summary>
    /// <param name="data">The bytes to sum.</param>
    /// <returns>The folded sum, 0 to 0xFFFF.</returns>
    public static ushort OnesComplementSum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>
    /// The checksum to store in a header: the ones' complement of the ones'-complement sum of
    /// <paramref name="header"/>, whose checksum field must hold zero.
    /// </summary>
    /// <param name="header">The header bytes with the checksum field zeroed.</param>
    /// <returns>The checksum value.</returns>
    public static ushort Compute(ReadOnlySpan<byte> header) => (ushort)~OnesComplementSum(header);

    /// <summary>True when the ones'-complement sum of <paramref name="header"/>, checksum included, is 0xFFFF.</summary>
    /// <param name="header">The header bytes including the stored checksum.</param>
    /// <returns>Whether the checksum verifies.</returns>
    public static bool Verify(ReadOnlySpan<byte> header) => OnesComplementSum(header) == 0xFFFF;
}
