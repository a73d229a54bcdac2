using System;
using System.IO;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class AllocationTests
{
    [Fact]
    public void BuildParseAndPcapDoNotAllocatePerFrame()
    {
        const int Frames = 10_000;
        var g = new FrameGenerator(1, TestUtil.FilterOn);
        FrameHeader[] headers = new FrameHeader[64];
        for (int i = 0; i < headers.Length; i++) headers[i] = g.NextHeader(Spec.MaxPayloadBytes);
        byte[] payload = g.NextPayload(Spec.MaxPayloadBytes);
        byte[] frame = new byte[Spec.MaxFrameBytes];
        byte[] readBuf = new byte[65536];
        var counters = new DropCounters();
        ParserOptions opts = TestUtil.FilterOn;
        string dir = TestUtil.TempDir("alloc");
        string path = Path.Combine(dir, "alloc.pcap");
        try
        {
            long allocated;
            long bytesWritten = 0;
            using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new PcapWriter(stream))
            {
                void Loop(int n)
                {
                    for (int i = 0; i < n; i++)
                    {
                        int plen = (i * 7919) % (Spec.MaxPayloadBytes + 1);
                        int len = FrameBuilder.Build(frame, headers[i & 63], payload.AsSpan(0, plen));
                        DropReason r = FrameParser.Parse(frame.AsSpan(0, len), opts, out FrameHeader h, out Range p);
                        counters.Add(r);
                        if (r != DropReason.None || frame.AsSpan(p).Length != plen || h.Nc.Len != plen) throw new InvalidOperationException("round trip failed");
                        writer.WriteFrame(frame.AsSpan(0, len), (ulong)i * 1000UL);
                        bytesWritten += len;
                    }
                }
                Loop(100); // warm up (JIT, stream buffer)
                long before = GC.GetAllocatedBytesForCurrentThread();
                Loop(Frames);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.Equal(0, allocated);
            Assert.Equal(Frames + 100, counters.Accepted);

            using (var reader = new PcapReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16)))
            {
                for (int i = 0; i < 100; i++) Assert.True(reader.TryReadFrame(readBuf, out _, out _, out _));
                long before = GC.GetAllocatedBytesForCurrentThread();
                int n = 0;
                long bytes = 0;
                while (reader.TryReadFrame(readBuf, out int len, out _, out _))
                {
                    n++;
                    bytes += len;
                    if (FrameParser.Classify(readBuf.AsSpan(0, len), opts) != DropReason.None) throw new InvalidOperationException("bad frame read back");
                }
                long readAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Equal(Frames, n);
                Assert.Equal(0, readAllocated);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
