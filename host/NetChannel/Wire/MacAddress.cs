using System;
using System.Globalization;

namespace NetChannel.Wire;

/// <summary>Text forms of the 48-bit MAC and 32-bit IPv4 addresses the headers carry as integers.</summary>
public static class MacAddress
{
    /// <summary>Mask of the 48 address bits.</summary>
    public const ulong Mask = 0xFFFF_FFFF_FFFFUL;

    /// <summary>The broadcast address ff:ff:ff:ff:ff:ff.</summary>
    public const ulong Broadcast = Mask;

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with '-') into a 48-bit integer.</summary>
    /// <param name="text">The address.</param>
    /// <returns>The address as an integer, byte 0 in bits 47..40.</returns>
    /// <exception cref="FormatException">Not a MAC address.</exception>
    public static ulong Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':', '-');
        if (parts.Length != 6) throw new FormatException($"'{text}' is not a MAC address (aa:bb:cc:dd:ee:ff)");
        ulong v = 0;
        foreach (string p in parts)
        {
            if (p.Length is < 1 or > 2 || !byte.TryParse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                throw new FormatException($"'{text}' is not a MAC address (aa:bb:cc:dd:ee:ff)");
            v = (v << 8) | b;
        }
        return v;
    }

    /// <summary>Formats a 48-bit address as <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    /// <param name="mac">The address.</param>
    /// <returns>The text form.</returns>
    public static string Format(ulong mac) => string.Create(CultureInfo.InvariantCulture,
        $"{(byte)(mac >> 40):x2}:{(byte)(mac >> 32):x2}:{(byte)(mac >> 24):x2}:{(byte)(mac >> 16):x2}:{(byte)(mac >> 8):x2}:{(byte)mac:x2}");

    /// <summary>Parses a dotted-quad IPv4 address into a 32-bit integer (first octet in bits 31..24).</summary>
    /// <param name="text">The address, e.g. <c>10.0.0.1</c>.</param>
    /// <returns>The address as an integer.</returns>
    /// <exception cref="FormatException">Not an IPv4 address.</exception>
    public static uint ParseIpv4(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('.');
        if (parts.Length != 4) throw new FormatException($"'{text}' is not an IPv4 address (a.b.c.d)");
        uint v = 0;
        foreach (string p in parts)
        {
            if (!byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out byte b))
                throw new FormatException($"'{text}' is not an IPv4 address (a.b.c.d)");
            v = (v << 8) | b;
        }
        return v;
    }

    /// <summary>Formats a 32-bit IPv4 address as a dotted quad.</summary>
    /// <param name="ip">The address.</param>
    /// <returns>The text form.</returns>
    public static string FormatIpv4(uint ip) => string.Create(CultureInfo.InvariantCulture,
        $"{ip >> 24}.{(ip >> 16) & 0xFF}.{(ip >> 8) & 0xFF}.{ip & 0xFF}");
}
