using System;
using System.Text;

namespace NetChannel.Wire;

/// <summary>Frames seen per <see cref="DropReason"/> (index 0 counts accepted frames), like the RTL's CNT_DROP_BASE array.</summary>
public sealed class DropCounters
{
    /// <summary>Number of counters: one per 5-bit drop reason code.</summary>
    public const int Count = 32;

    private readonly long[] _counts = new long[Count];

    /// <summary>Counts one frame with <paramref name="reason"/>.</summary>
    /// <param name="reason">The parse result.</param>
    public void Add(DropReason reason) => _counts[(int)reason & (Count - 1)]++;

    /// <summary>Frames counted with <paramref name="reason"/>.</summary>
    /// <param name="reason">The parse result.</param>
    public long this[DropReason reason] => _counts[(int)reason & (Count - 1)];

    /// <summary>Frames accepted.</summary>
    public long Accepted => _counts[0];

    /// <summary>Frames dropped, all reasons.</summary>
    public long Dropped
    {
        get
        {
            long n = 0;
            for (int i = 1; i < Count; i++) n += _counts[i];
            return n;
        }
    }

    /// <summary>Frames counted.</summary>
    public long Total => Accepted + Dropped;

    /// <summary>Sets every counter to zero.</summary>
    public void Clear() => Array.Clear(_counts);

    /// <summary>True when both objects hold the same counts.</summary>
    /// <param name="other">The other counters.</param>
    /// <returns>Whether every counter is equal.</returns>
    public bool SameAs(DropCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _counts.AsSpan().SequenceEqual(other._counts);
    }

    /// <summary>The non-zero drop counters as <c>REASON=n</c>, comma-separated ("none" when nothing was dropped).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 1; i < Count; i++)
        {
            if (_counts[i] == 0) continue;
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(((DropReason)i).ToString()).Append('=').Append(_counts[i]);
        }
        return sb.Length == 0 ? "none" : sb.ToString();
    }
}
