using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetChannel.Harness;

/// <summary>What tshark says about one frame.</summary>
/// <param name="Number">Frame number, from 1.</param>
/// <param name="Protocols">frame.protocols, e.g. <c>eth:ethertype:ip:udp:data</c>.</param>
/// <param name="IpChecksumStatus">ip.checksum.status: 1 good, 0 bad, 2 unverified, -1 absent.</param>
/// <param name="UdpLength">udp.length, -1 when absent.</param>
/// <param name="Malformed">True when tshark marked the frame malformed.</param>
/// <param name="ExpertErrors">Expert info messages of severity error (malformed, bad checksum, bad length, ...), "; "-separated.</param>
/// <param name="ExpertWarnings">Expert info messages of severity warning (e.g. a group source MAC address), "; "-separated.</param>
public sealed record TsharkFrame(int Number, string Protocols, int IpChecksumStatus, int UdpLength, bool Malformed, string ExpertErrors, string ExpertWarnings)
{
    /// <summary>True when the frame decoded as Ethernet/IPv4/UDP with a good IPv4 checksum, nothing malformed and no expert error.</summary>
    public bool IsClean =>
        Protocols.StartsWith("eth:ethertype:ip:udp", StringComparison.Ordinal) && IpChecksumStatus == 1 && !Malformed && ExpertErrors.Length == 0;

    /// <summary><see cref="IsClean"/> and no expert warning either.</summary>
    public bool IsSpotless => IsClean && ExpertWarnings.Length == 0;
}

/// <summary>Runs tshark (Wireshark) over a pcap as an independent check of the frame formats.</summary>
public static class Tshark
{
    /// <summary>Expert severity "warning" (PI_WARN).</summary>
    public const int SeverityWarn = 0x00600000;
    /// <summary>Expert severity "error" (PI_ERROR).</summary>
    public const int SeverityError = 0x00800000;

    /// <summary>The tshark executable on PATH, or null.</summary>
    /// <returns>The path or null.</returns>
    public static string? Find()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null) return null;
        foreach (string dir in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string p = System.IO.Path.Combine(dir, "tshark");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Protocols left enabled: NetChannel rides on UDP, so nothing above UDP may dissect the random payload.</summary>
    private static readonly HashSet<string> Keep = new(StringComparer.Ordinal) { "frame", "eth", "ethertype", "ip", "udp", "data" };

    private static readonly object ConfigLock = new();
    private static string? _configDir;

    /// <summary>
    /// A private Wireshark configuration directory whose <c>disabled_protos</c> disables every protocol above UDP
    /// (tshark picks a UDP dissector by the lower port number or by heuristics, so random source ports and
    /// payloads would otherwise be decoded as syslog, WireGuard, ... and flagged as malformed).
    /// </summary>
    private static string ConfigDir(string tshark, TimeSpan timeout)
    {
        lock (ConfigLock)
        {
            if (_configDir is not null) return _configDir;
            ProcessResult r = ProcessRunner.Run(tshark, ["-G", "protocols"], timeout);
            if (r.TimedOut || r.ExitCode != 0)
                throw new InvalidOperationException($"tshark -G protocols failed (exit {r.ExitCode}): {r.StdErr.Trim()}");
            var disabled = new List<string>();
            foreach (string line in r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] f = line.TrimEnd('\r').Split('\t');
                if (f.Length >= 3 && !Keep.Contains(f[2]) && !f[2].StartsWith("_ws", StringComparison.Ordinal)) disabled.Add(f[2]);
            }
            // One shared directory (its content depends only on the tshark build); written atomically.
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"netchannel-tshark-{Environment.UserName}");
            Directory.CreateDirectory(dir);
            string tmp = System.IO.Path.Combine(dir, $"disabled_protos.{Environment.ProcessId}.tmp");
            File.WriteAllLines(tmp, disabled);
            File.Move(tmp, System.IO.Path.Combine(dir, "disabled_protos"), overwrite: true);
            _configDir = dir;
            return dir;
        }
    }

    /// <summary>
    /// Decodes <paramref name="pcapPath"/> with IPv4 checksum validation on and every protocol above UDP disabled,
    /// and returns one record per frame.
    /// </summary>
    /// <param name="tshark">The tshark executable.</param>
    /// <param name="pcapPath">The capture.</param>
    /// <param name="timeout">Timeout of the tshark run.</param>
    /// <returns>The frames.</returns>
    /// <exception cref="InvalidOperationException">tshark failed.</exception>
    public static List<TsharkFrame> Decode(string tshark, string pcapPath, TimeSpan timeout)
    {
        ProcessResult r = ProcessRunner.Run(tshark,
        [
            "-n", "-r", pcapPath, "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;",
            "-e", "frame.number", "-e", "frame.protocols", "-e", "ip.checksum.status", "-e", "udp.length",
            "-e", "_ws.malformed", "-e", "_ws.expert.message", "-e", "_ws.expert.severity",
        ], timeout, environment: new Dictionary<string, string> { ["WIRESHARK_CONFIG_DIR"] = ConfigDir(tshark, timeout) });
        if (r.TimedOut || r.ExitCode != 0)
            throw new InvalidOperationException($"tshark failed (exit {r.ExitCode}{(r.TimedOut ? ", timed out" : "")}): {r.StdErr.Trim()}");
        var frames = new List<TsharkFrame>();
        foreach (string line in r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.TrimEnd('\r').Split('|');
            if (f.Length < 7 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int number)) continue;
            string[] msgs = f[5].Split(';');
            string[] sevs = f[6].Split(';');
            var errors = new List<string>();
            var warnings = new List<string>();
            for (int i = 0; i < sevs.Length; i++)
            {
                if (!int.TryParse(sevs[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out int sev)) continue;
                string msg = i < msgs.Length ? msgs[i] : "(no message)";
                if (sev >= SeverityError) errors.Add(msg);
                else if (sev >= SeverityWarn) warnings.Add(msg);
            }
            frames.Add(new TsharkFrame(number, f[1], FirstInt(f[2]), FirstInt(f[3]), f[4].Length > 0, string.Join("; ", errors), string.Join("; ", warnings)));
        }
        return frames;
    }

    private static int FirstInt(string s)
    {
        int semi = s.IndexOf(';', StringComparison.Ordinal);
        if (semi >= 0) s = s[..semi];
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : -1;
    }
}
