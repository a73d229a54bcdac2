using System;

namespace NetChannel.Wire;

/// <summary>
/// Byte-order helpers for fields of 1 to 8 bytes and for sub-byte fields, used by the generated
/// format structs (Generated/Spec.g.cs) and by the frame builder and parser.
/// </summary>
public static class WireBits
{
    /// <summary>Reads <paramref name="src"/> (1 to 8 bytes) as a big-endian unsigned integer.</summary>
    /// <param name="src">The bytes, most significant first.</param>
    /// <returns>The value.</returns>
    public static ulong ReadBig(ReadOnlySpan<byte> src)
    {
        CheckWidth(src.Length, nameof(src));
        ulong v = 0;
        for (int i = 0; i < src.Length; i++) v = (v << 8) | src[i];
        return v;
    }

    /// <summary>Reads <paramref name="src"/> (1 to 8 bytes) as a little-endian unsigned integer.</summary>
    /// <param name="src">The bytes, least significant first.</param>
    /// <returns>The value.</returns>
    public static ulong ReadLittle(ReadOnlySpan<byte> src)
    {
        CheckWidth(src.Length, nameof(src));
        ulong v = 0;
        for (int i = src.Length - 1; i >= 0; i--) v = (v << 8) | src[i];
        return v;
    }

    /// <summary>Writes the low <c>dst.Length</c> bytes of <paramref name="value"/> big-endian; higher bits are dropped.</summary>
    /// <param name="dst">Destination, 1 to 8 bytes.</param>
    /// <param name="value">The value.</param>
    public static void WriteBig(Span<byte> dst, ulong value)
    {
        CheckWidth(dst.Length, nameof(dst));
        for (int i = dst.Length - 1; i >= 0; i--)
        {
            dst[i] = (byte)value;
            value >>= 8;
        }
    }

    /// <summary>Writes the low <c>dst.Length</c> bytes of <paramref name="value"/> little-endian; higher bits are dropped.</summary>
    /// <param name="dst">Destination, 1 to 8 bytes.</param>
    /// <param name="value">The value.</param>
    public static void WriteLittle(Span<byte> dst, ulong value)
    {
        CheckWidth(dst.Length, nameof(dst));
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = (byte)value;
            value >>= 8;
        }
    }

    /// <summary>
    /// Read-modify-write of a sub-byte field: the field occupies bits [<paramref name="shift"/>,
    /// <paramref name="shift"/> + <paramref name="bits"/>) counted from the least significant bit of the
    /// big-endian integer formed by <paramref name="dst"/>. Other bits are kept; value bits above
    /// <paramref name="bits"/> are dropped.
    /// </summary>
    /// <param name="dst">The bytes holding the field (1 to 8).</param>
    /// <param name="shift">Position of the field's least significant bit.</param>
    /// <param name="bits">Width of the field in bits (1 to 64).</param>
    /// <param name="value">The field value.</param>
    public static void WriteBitsBig(Span<byte> dst, int shift, int bits, ulong value)
    {
        CheckWidth(dst.Length, nameof(dst));
        if (bits < 1 || shift < 0 || shift + bits > dst.Length * 8)
            throw new ArgumentOutOfRangeException(nameof(bits), $"field [{shift}, {shift + bits}) does not fit in {dst.Length} byte(s)");
        ulong mask = (bits == 64 ? ulong.MaxValue : ((1UL << bits) - 1)) << shift;
        ulong word = ReadBig(dst);
        word = (word & ~mask) | ((value << shift) & mask);
        WriteBig(dst, word);
    }

    private static void CheckWidth(int length, string name)
    {
        if (length < 1 || length > 8)
            throw new ArgumentOutOfRangeException(name, $"span must hold 1 to 8 bytes, got {length}");
    }
}
