using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;

namespace NetChannel.Benchmarks;

/// <summary>One figure: what was measured, its value and unit, and the parameters it was measured with.</summary>
public sealed record Figure(string Name, double Value, string Unit, IReadOnlyDictionary<string, object> Params);

/// <summary>Figures of one run, written as a JSON array (the format tests/bench/report.py merges).</summary>
public sealed class Results
{
    private readonly List<Figure> _figures = new();
    private readonly Dictionary<string, object> _common;

    /// <summary>Starts a result set; <paramref name="common"/> parameters go into every figure.</summary>
    public Results(IDictionary<string, object>? common = null) => _common = common is null ? new() : new(common);

    /// <summary>Figures so far.</summary>
    public IReadOnlyList<Figure> Figures => _figures;

    /// <summary>Adds a figure (and prints it).</summary>
    public void Add(string name, double value, string unit, params (string Key, object Value)[] prm)
    {
        var p = new Dictionary<string, object>(_common);
        foreach ((string k, object v) in prm) p[k] = v;
        _figures.Add(new Figure(name, value, unit, p));
        string ps = string.Join(", ", Array.ConvertAll(prm, x => x.Value is string or IConvertible
            ? $"{x.Key}={Convert.ToString(x.Value, CultureInfo.InvariantCulture)}" : $"{x.Key}=[...]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-44} {value,14:G6} {unit,-16} {ps}"));
    }

    /// <summary>Writes the figures as a JSON array.</summary>
    public void Write(string path)
    {
        var list = new List<Dictionary<string, object>>();
        foreach (Figure f in _figures)
            list.Add(new Dictionary<string, object> { ["name"] = f.Name, ["value"] = double.IsFinite(f.Value) ? f.Value : 0.0, ["unit"] = f.Unit, ["params"] = f.Params });
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(list, new JsonSerializerOptions { WriteIndented = true }));
    }
}

/// <summary>Wall and process CPU time between two points.</summary>
public readonly struct Meter
{
    private readonly long _ticks;
    private readonly TimeSpan _cpu;

    private Meter(long ticks, TimeSpan cpu)
    {
        _ticks = ticks;
        _cpu = cpu;
    }

    /// <summary>Now.</summary>
    public static Meter Start() => new(Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime);

    /// <summary>Wall seconds since <see cref="Start"/>.</summary>
    public double WallSeconds => Stopwatch.GetElapsedTime(_ticks).TotalSeconds;

    /// <summary>Process CPU seconds (all threads, user + kernel) since <see cref="Start"/>.</summary>
    public double CpuSeconds => (Environment.CpuUsage.TotalTime - _cpu).TotalSeconds;
}

/// <summary>Machine facts recorded with every run.</summary>
public static class Machine
{
    /// <summary>The 1-minute load average (Linux), or NaN.</summary>
    public static double LoadAverage()
    {
        try
        {
            string s = File.ReadAllText("/proc/loadavg");
            return double.Parse(s.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return double.NaN; }
        catch (UnauthorizedAccessException) { return double.NaN; }
    }

    /// <summary>Sleeps briefly so a measurement does not start inside the previous one's tail.</summary>
    public static void Settle() => Thread.Sleep(200);
}
