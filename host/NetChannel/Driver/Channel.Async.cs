using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace NetChannel.Driver;

// The asynchronous members (await is not allowed in the unsafe parts of the class).
public sealed partial class Channel
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TxSlot> ReserveSlowAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref Counters._reserveWaits);
        while (true)
        {
            SlotWaiter w = RentWaiter();
            AddWaiter(w);
            bool got;
            TxSlot s;
            try
            {
                got = TryReserve(out s);
            }
            catch
            {
                if (!RemoveWaiter(w)) await w.AsValueTask().GetResultQuietlyAsync();
                ReturnWaiter(w);
                throw;
            }
            if (got)
            {
                if (!RemoveWaiter(w))
                {
                    // Signalled at the same time: consume that wake-up and pass it on.
                    await w.AsValueTask().GetResultQuietlyAsync();
                    WakeReservers(1, null);
                }
                ReturnWaiter(w);
                return s;
            }
            w.Arm(this, ct);
            try
            {
                await w.AsValueTask().ConfigureAwait(false);
            }
            finally
            {
                w.Disarm();
                ReturnWaiter(w);
            }
        }
    }

}

internal static class ValueTaskQuiet
{
    /// <summary>Awaits a wake-up whose outcome no longer matters (it was consumed by a successful reservation).</summary>
    public static async ValueTask GetResultQuietlyAsync(this ValueTask<bool> t)
    {
        try { await t.ConfigureAwait(false); }
        catch (Exception) { /* the outcome is irrelevant: the caller already holds a slot or is failing anyway */ }
    }
}
