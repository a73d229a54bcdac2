using System;
using System.Collections.Concurrent;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace NetChannel.Device.Simulated;

/// <summary>
/// Finds the simulator library. The [LibraryImport] name "ncsim" resolves to <c>$NCSIM_LIBRARY</c> if set,
/// else to <c>build/sim/libncsim.so</c> of the repository found by walking up from this assembly's directory
/// (the directory holding <c>NetChannel.sln</c>).
/// </summary>
public static class NcsimLibrary
{
    /// <summary>Environment variable naming the library file to bind as "ncsim".</summary>
    public const string EnvironmentVariable = "NCSIM_LIBRARY";

    /// <summary>The library's file name under <c>build/sim/</c>.</summary>
    public const string FileName = "libncsim.so";

    private static int _resolverInstalled;
    private static readonly ConcurrentDictionary<string, NcsimApi> Loaded = new(StringComparer.Ordinal);

    /// <summary>
    /// The file "ncsim" binds to: <paramref name="environmentValue"/> when not empty, else
    /// <c>&lt;repo&gt;/build/sim/libncsim.so</c> for the first directory at or above <paramref name="startDirectory"/>
    /// that holds <c>NetChannel.sln</c>; null when neither applies. The file may not exist.
    /// </summary>
    /// <param name="environmentValue">The value of <see cref="EnvironmentVariable"/>, or null.</param>
    /// <param name="startDirectory">Where to start looking for the repository root.</param>
    /// <returns>The path, or null.</returns>
    public static string? Locate(string? environmentValue, string startDirectory)
    {
        if (!string.IsNullOrWhiteSpace(environmentValue)) return Path.GetFullPath(environmentValue);
        for (var dir = new DirectoryInfo(startDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NetChannel.sln")))
                return Path.Combine(dir.FullName, "build", "sim", FileName);
        }
        return null;
    }

    /// <summary>The file "ncsim" binds to in this process (see <see cref="Locate"/>), or null.</summary>
    public static string? DefaultPath =>
        Locate(Environment.GetEnvironmentVariable(EnvironmentVariable), AssemblyDirectory);

    private static string AssemblyDirectory =>
        Path.GetDirectoryName(typeof(NcsimLibrary).Assembly.Location) is { Length: > 0 } d ? d : AppContext.BaseDirectory;

    /// <summary>The message of the exception thrown when the library is missing.</summary>
    internal static string MissingMessage(string? path) =>
        path is null
            ? $"the simulator library libncsim.so was not found: set {EnvironmentVariable} to its path, or run from the repository and build it with `make sim`"
            : $"the simulator library '{path}' does not exist: build it with `make sim` (or set {EnvironmentVariable} to a libncsim build)";

    /// <summary>The [LibraryImport] functions, after checking the file exists (clear error otherwise).</summary>
    /// <exception cref="DllNotFoundException">The library is missing; the message says what to build.</exception>
    internal static NcsimApi Default()
    {
        string? path = DefaultPath;
        if (path is null || !File.Exists(path)) throw new DllNotFoundException(MissingMessage(path));
        InstallResolver();
        return NcsimApi.Default;
    }

    /// <summary>The functions of an explicitly named file (loaded once per path).</summary>
    /// <exception cref="DllNotFoundException">The file is missing or not a libncsim build.</exception>
    internal static NcsimApi Explicit(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new DllNotFoundException(MissingMessage(full));
        return Loaded.GetOrAdd(full, p => NcsimApi.Load(p));
    }

    private static void InstallResolver()
    {
        if (Interlocked.Exchange(ref _resolverInstalled, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(NcsimLibrary).Assembly, Resolve);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "ncsim") return 0;
        string? path = DefaultPath;
        return path is not null && NativeLibrary.TryLoad(path, out nint h) ? h : 0;
    }
}
