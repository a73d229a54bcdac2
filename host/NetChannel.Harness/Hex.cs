using System;

namespace NetChannel.Harness;

/// <summary>Lower-case hex text as used by the nc_hdr_tool text files.</summary>
public static class Hex
{
    /// <summary>Lower-case hex of <paramref name="bytes"/>, or <c>-</c> when empty.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The text.</returns>
    public static string OrDash(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "-" : Convert.ToHexStringLower(bytes);

    /// <summary>Parses hex text (either case); <c>-</c> is the empty array.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="FormatException">Not hex.</exception>
    public static byte[] ParseOrDash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text == "-" ? [] : Convert.FromHexString(text);
    }
}
