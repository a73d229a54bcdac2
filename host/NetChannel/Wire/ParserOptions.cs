namespace NetChannel.Wire;

/// <summary>Configuration of the frame parser (the RTL parser's CTRL/MAC/IP registers).</summary>
public readonly struct ParserOptions
{
    /// <summary>Creates parser options.</summary>
    /// <param name="filterAddresses">Drop frames not addressed to <paramref name="localMac"/> (or broadcast) and <paramref name="localIp"/>.</param>
    /// <param name="localMac">Local MAC address, 48 bits (byte 0 of the address in bits 47..40).</param>
    /// <param name="localIp">Local IPv4 address (first octet in bits 31..24).</param>
    public ParserOptions(bool filterAddresses, ulong localMac, uint localIp)
    {
        FilterAddresses = filterAddresses;
        LocalMac = localMac & MacAddress.Mask;
        LocalIp = localIp;
    }

    /// <summary>Options that accept any destination address.</summary>
    public static ParserOptions NoFilter => default;

    /// <summary>Whether destination MAC and IPv4 addresses are checked.</summary>
    public bool FilterAddresses { get; }

    /// <summary>Local MAC address, 48 bits.</summary>
    public ulong LocalMac { get; }

    /// <summary>Local IPv4 address.</summary>
    public uint LocalIp { get; }
}
