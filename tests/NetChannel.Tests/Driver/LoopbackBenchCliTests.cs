using System;
using static NetChannel.Tests.CliRunner;
using System.IO;

namespace NetChannel.Tests.Driver;

/// <summary>The <c>netchannel loopback-bench</c> command: usage errors, and a short run that completes.</summary>
public sealed class LoopbackBenchCliTests
{
    [Fact]
    public void UsageErrorsAreReported()
    {
        Assert.Contains("loopback-bench", Run("--help").Out, StringComparison.Ordinal);
        var (rc, _, e) = Run("loopback-bench", "--size", "0");
        Assert.Equal(2, rc);
        Assert.Contains("sizes must be 1 to 9000", e, StringComparison.Ordinal);
        (rc, _, e) = Run("loopback-bench", "--mode", "fast");
        Assert.Equal(2, rc);
        Assert.Contains("--mode", e, StringComparison.Ordinal);
        (rc, _, e) = Run("loopback-bench", "--channels");
        Assert.Equal(2, rc);
        Assert.Contains("needs a value", e, StringComparison.Ordinal);
        Assert.Equal(2, Run("loopback-bench", "--bogus").Rc);
    }

    [Fact]
    public void AShortRunMeasuresAndChecksEveryMessageArrived()
    {
        var (rc, o, e) = Run("loopback-bench", "--size", "64,9000", "--seconds", "0.2", "--channels", "1", "--pingpongs", "20");
        Assert.True(rc == 0, o + e);
        Assert.Contains("messages/s", o, StringComparison.Ordinal);
        Assert.Contains("ping-pong 64 B", o, StringComparison.Ordinal);
    }
}
