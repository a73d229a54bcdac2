using System;
using static NetChannel.Tests.CliRunner;
using System.IO;
using NetChannel.Harness;

namespace NetChannel.Tests;

public class CliTests
{
    [Fact]
    public void Help()
    {
        var (rc, o, _) = Run("--help");
        Assert.Equal(0, rc);
        Assert.Contains("header-demo", o, StringComparison.Ordinal);
        Assert.Contains("--frames", o, StringComparison.Ordinal);
        Assert.Equal(0, Run("header-demo", "--help").Rc);
    }

    [Fact]
    public void UsageErrors()
    {
        var (rc, _, e) = Run("frobnicate");
        Assert.Equal(2, rc);
        Assert.Contains("unknown command 'frobnicate'", e, StringComparison.Ordinal);
        (rc, _, e) = Run("header-demo", "--frmes", "3");
        Assert.Equal(2, rc);
        Assert.Contains("unknown option '--frmes'", e, StringComparison.Ordinal);
        (rc, _, e) = Run("header-demo", "--frames", "many");
        Assert.Equal(2, rc);
        Assert.Contains("--frames", e, StringComparison.Ordinal);
        (rc, _, e) = Run("header-demo", "--seed");
        Assert.Equal(2, rc);
        Assert.Contains("needs a value", e, StringComparison.Ordinal);
        Assert.Equal(2, Run().Rc);
    }

    [Fact]
    public void MissingToolIsAClearFailure()
    {
        string dir = TestUtil.TempDir("cli");
        try
        {
            var (rc, o, e) = Run("header-demo", "--frames", "20", "--tool", Path.Combine(dir, "no_such_tool"), "--pcap", Path.Combine(dir, "f.pcap"));
            Assert.Equal(1, rc);
            Assert.Contains("make rtl-tool", e, StringComparison.Ordinal);
            Assert.Contains("RESULT: FAIL", o, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "f.pcap")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ToolLineFormats()
    {
        var g = new FrameGenerator(1, TestUtil.FilterOn);
        var q = new BuildRequest(g.NextHeader(), [], 17);
        string line = HdrTool.FormatBuildLine(q);
        string[] f = line.Split(' ');
        Assert.Equal(3, f.Length);
        Assert.Equal(172, f[0].Length);
        Assert.Equal("-", f[1]);
        Assert.Equal("17", f[2]);
        Assert.Equal(f[0], f[0].ToLowerInvariant());

        ParseResult r = HdrTool.ParseResultLine("9 - -");
        Assert.Equal(Wire.DropReason.IpFragment, r.Reason);
        Assert.Null(r.Header);
        Assert.Empty(r.Payload);
        r = HdrTool.ParseResultLine($"0 {f[0]} 00ff");
        Assert.Equal(86, r.Header!.Length);
        Assert.Equal(new byte[] { 0, 0xFF }, r.Payload);
        Assert.Throws<FormatException>(() => HdrTool.ParseResultLine("0 abcd -"));
        Assert.Throws<FormatException>(() => HdrTool.ParseResultLine("x - -"));
    }
}
