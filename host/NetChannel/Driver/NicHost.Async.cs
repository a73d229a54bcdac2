using System;
using System.Threading;
using System.Threading.Tasks;

namespace NetChannel.Driver;

// The asynchronous members (await is not allowed in the unsafe parts of the class).
public sealed partial class NicHost
{
    private async Task<Channel> AwaitOpenAsync(OpenRequest req, CancellationToken ct)
    {
        if (!ct.CanBeCanceled) return await req.Tcs.Task.ConfigureAwait(false);
        using CancellationTokenRegistration reg = ct.UnsafeRegister(static s =>
        {
            var r = (OpenRequest)s!;
            r.Host?.Post(new CancelOpen(r));
        }, req);
        req.Host = this;
        try
        {
            return await req.Tcs.Task.ConfigureAwait(false);
        }
        catch (NetChannelException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("the open was cancelled", ct);
        }
    }

    /// <summary>
    /// Shuts the host down: pending opens fail, every channel is aborted (peers are told), the NIC is
    /// disabled, the threads stop and the DMA memory is freed. The sink gets no further calls. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new ShutdownRequest(done));
        await done.Task.ConfigureAwait(false);
        await Task.Run(StopThreadsAndFree).ConfigureAwait(false);
        _meter.Dispose();
    }

}
