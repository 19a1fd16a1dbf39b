using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Binds the libtorch C++ entry points that TorchSharp 0.107 does not wrap: autocast (<c>at::autocast::*</c>, PyTorch's
/// <c>torch.autocast</c>) and cuDNN autotuning (<c>at::globalContext().setBenchmarkCuDNN</c>, PyTorch's
/// <c>torch.backends.cudnn.benchmark</c>). They are exported C++ functions of <c>libtorch_cpu</c>; their Itanium-ABI
/// (mangled) names are stable within a libtorch version on Linux and macOS.
/// </summary>
/// <remarks>
/// On first use (<see cref="Current"/>) the class finds the <c>libtorch_cpu</c> that TorchSharp loaded into this process,
/// reads its version from <c>at::show_config()</c> (<c>TORCH_VERSION=</c>), checks it against
/// <see cref="MinimumVersion"/> and binds every symbol; any failure is a <see cref="LibTorchInteropException"/> that names
/// the file, the version and the missing symbols, never a crash. The autocast state it switches is thread-local in
/// libtorch; use <see cref="AutocastScope"/> rather than the raw calls.
/// </remarks>
public sealed unsafe class LibTorchInterop
{
    /// <summary>The oldest libtorch whose mangled names and enum values this class was checked against (TorchSharp 0.107's 2.10).</summary>
    public static readonly Version MinimumVersion = new(2, 10);

    internal const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    internal const string SetBenchmarkCuDnnSymbol = "_ZN2at7Context17setBenchmarkCuDNNEb";
    internal const string BenchmarkCuDnnSymbol = "_ZNK2at7Context14benchmarkCuDNNEv";
    internal const string SetAutocastEnabledSymbol = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb";
    internal const string IsAutocastEnabledSymbol = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE";
    internal const string SetAutocastDtypeSymbol = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE";
    internal const string GetAutocastDtypeSymbol = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE";
    internal const string IncrementNestingSymbol = "_ZN2at8autocast17increment_nestingEv";
    internal const string DecrementNestingSymbol = "_ZN2at8autocast17decrement_nestingEv";
    internal const string ClearCacheSymbol = "_ZN2at8autocast11clear_cacheEv";
    internal const string ShowConfigSymbol = "_ZN2at11show_configB5cxx11Ev";

    /// <summary>Every symbol bound, in binding order.</summary>
    internal static readonly IReadOnlyList<string> RequiredSymbols =
    [
        ShowConfigSymbol, GlobalContextSymbol, SetBenchmarkCuDnnSymbol, BenchmarkCuDnnSymbol, SetAutocastEnabledSymbol,
        IsAutocastEnabledSymbol, SetAutocastDtypeSymbol, GetAutocastDtypeSymbol, IncrementNestingSymbol,
        DecrementNestingSymbol, ClearCacheSymbol,
    ];

    // std::__cxx11::basic_string<char>::~basic_string(), exported by libstdc++ (GLIBCXX_3.4.21), to free show_config()'s result.
    private const string StringDestructorSymbol = "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEED1Ev";

    private static readonly Lazy<LibTorchInterop> Shared = new(LoadShared, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly delegate* unmanaged[Cdecl]<IntPtr> _globalContext;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, byte, void> _setBenchmarkCuDnn;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, byte> _benchmarkCuDnn;
    private readonly delegate* unmanaged[Cdecl]<sbyte, byte, void> _setAutocastEnabled;
    private readonly delegate* unmanaged[Cdecl]<sbyte, byte> _isAutocastEnabled;
    private readonly delegate* unmanaged[Cdecl]<sbyte, sbyte, void> _setAutocastDtype;
    private readonly delegate* unmanaged[Cdecl]<sbyte, sbyte> _getAutocastDtype;
    private readonly delegate* unmanaged[Cdecl]<int> _incrementNesting;
    private readonly delegate* unmanaged[Cdecl]<int> _decrementNesting;
    private readonly delegate* unmanaged[Cdecl]<void> _clearCache;

    private LibTorchInterop(string libraryPath, Version version, IReadOnlyDictionary<string, IntPtr> f)
    {
        LibraryPath = libraryPath;
        Version = version;
        _globalContext = (delegate* unmanaged[Cdecl]<IntPtr>)f[GlobalContextSymbol];
        _setBenchmarkCuDnn = (delegate* unmanaged[Cdecl]<IntPtr, byte, void>)f[SetBenchmarkCuDnnSymbol];
        _benchmarkCuDnn = (delegate* unmanaged[Cdecl]<IntPtr, byte>)f[BenchmarkCuDnnSymbol];
        _setAutocastEnabled = (delegate* unmanaged[Cdecl]<sbyte, byte, void>)f[SetAutocastEnabledSymbol];
        _isAutocastEnabled = (delegate* unmanaged[Cdecl]<sbyte, byte>)f[IsAutocastEnabledSymbol];
        _setAutocastDtype = (delegate* unmanaged[Cdecl]<sbyte, sbyte, void>)f[SetAutocastDtypeSymbol];
        _getAutocastDtype = (delegate* unmanaged[Cdecl]<sbyte, sbyte>)f[GetAutocastDtypeSymbol];
        _incrementNesting = (delegate* unmanaged[Cdecl]<int>)f[IncrementNestingSymbol];
        _decrementNesting = (delegate* unmanaged[Cdecl]<int>)f[DecrementNestingSymbol];
        _clearCache = (delegate* unmanaged[Cdecl]<void>)f[ClearCacheSymbol];
    }

    /// <summary>The path of the bound <c>libtorch_cpu</c>.</summary>
    public string LibraryPath { get; }

    /// <summary>The libtorch version read from <c>at::show_config()</c>.</summary>
    public Version Version { get; }

    /// <summary>
    /// The bindings for the libtorch loaded by TorchSharp in this process, created and checked on first use.
    /// </summary>
    /// <exception cref="LibTorchInteropException">libtorch_cpu was not found, its version is not supported or a symbol is missing (the same error on every call).</exception>
    public static LibTorchInterop Current => Shared.Value;

    /// <summary>True when <see cref="Current"/> binds; <paramref name="reason"/> says why not otherwise.</summary>
    public static bool TryGetCurrent(out LibTorchInterop? interop, out string? reason)
    {
        try
        {
            interop = Shared.Value;
            reason = null;
            return true;
        }
        catch (LibTorchInteropException ex)
        {
            interop = null;
            reason = ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Binds <paramref name="libraryPath"/>. <paramref name="symbolOverrides"/> replaces symbol names (tests use it to
    /// prove that a missing symbol gives a clear error).
    /// </summary>
    /// <exception cref="LibTorchInteropException">The file cannot be loaded, the version is unsupported or symbols are missing.</exception>
    internal static LibTorchInterop Bind(string libraryPath, IReadOnlyDictionary<string, string>? symbolOverrides = null)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new LibTorchInteropException(
                "Autocast and cuDNN autotuning are bound through libtorch's Itanium-ABI symbol names, which exist on Linux and macOS only; use fp32 on Windows.");
        }
        if (!NativeLibrary.TryLoad(libraryPath, out IntPtr lib))
        {
            throw new LibTorchInteropException($"Cannot load libtorch_cpu from '{libraryPath}'.");
        }
        var found = new Dictionary<string, IntPtr>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (string symbol in RequiredSymbols)
        {
            string name = symbolOverrides is not null && symbolOverrides.TryGetValue(symbol, out string? o) ? o : symbol;
            if (NativeLibrary.TryGetExport(lib, name, out IntPtr address))
            {
                found[symbol] = address;
            }
            else
            {
                missing.Add(name);
            }
        }
        Version? version = found.TryGetValue(ShowConfigSymbol, out IntPtr showConfig) ? ReadVersion(showConfig) : null;
        string versionText = version?.ToString() ?? "unknown";
        if (missing.Count > 0)
        {
            throw new LibTorchInteropException(
                $"libtorch '{libraryPath}' (version {versionText}) does not export {missing.Count} of the {RequiredSymbols.Count} symbols ThighSeg needs for autocast and cuDNN autotuning: " +
                $"{string.Join(", ", missing)}. Use fp32 precision, or a libtorch {MinimumVersion.Major}.{MinimumVersion.Minor} or newer {MinimumVersion.Major}.x built for Linux/macOS.");
        }
        if (version is null)
        {
            throw new LibTorchInteropException($"libtorch '{libraryPath}': at::show_config() reports no TORCH_VERSION, so the symbol layout cannot be checked.");
        }
        if (CheckVersion(version) is string problem)
        {
            throw new LibTorchInteropException($"libtorch '{libraryPath}': {problem}");
        }
        return new LibTorchInterop(libraryPath, version, found);
    }

    /// <summary>Null when ThighSeg supports <paramref name="version"/> (<see cref="MinimumVersion"/> up to the same major version), else the reason.</summary>
    internal static string? CheckVersion(Version version) =>
        version.Major == MinimumVersion.Major && version >= MinimumVersion
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"version {version} is not supported: TorchSharp 0.107 and ThighSeg need libtorch {MinimumVersion.Major}.{MinimumVersion.Minor} or a newer {MinimumVersion.Major}.x (PyTorch {MinimumVersion.Major}.{MinimumVersion.Minor}+).");

    /// <summary>Parses the first <c>major.minor[.patch]</c> in a version text such as <c>2.11.0+cu130</c> or <c>1.13.0a0</c>.</summary>
    internal static Version? ParseVersion(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var m = Regex.Match(text, @"(\d+)\.(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!m.Success)
        {
            return null;
        }
        int major = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), minor = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return m.Groups[3].Success ? new Version(major, minor, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)) : new Version(major, minor);
    }

    /// <summary>Calls <c>std::string at::show_config()</c> (returned through a hidden pointer) and parses <c>TORCH_VERSION=</c>.</summary>
    private static Version? ReadVersion(IntPtr showConfig)
    {
        // std::__cxx11::string is 32 bytes: char* data, size_t size, 16-byte local buffer (or capacity).
        IntPtr buffer = Marshal.AllocHGlobal(32);
        try
        {
            ((delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)showConfig)(buffer);
            IntPtr data = Marshal.ReadIntPtr(buffer);
            long size = Marshal.ReadInt64(buffer, 8);
            string text = size is > 0 and < 1 << 20 ? Marshal.PtrToStringUTF8(data, (int)size) : "";
            if (NativeLibrary.TryLoad("libstdc++.so.6", out IntPtr stdcxx) && NativeLibrary.TryGetExport(stdcxx, StringDestructorSymbol, out IntPtr dtor))
            {
                ((delegate* unmanaged[Cdecl]<IntPtr, void>)dtor)(buffer);
            }
            // Without the destructor (not libstdc++) the few kilobytes of the text stay allocated, once per process.
            var m = Regex.Match(text, @"TORCH_VERSION=([0-9][0-9A-Za-z.+]*)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return m.Success ? ParseVersion(m.Groups[1].Value) : null;
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    private static LibTorchInterop LoadShared()
    {
        TorchBackend.Initialize();
        _ = torch.get_num_threads(); // makes TorchSharp load libtorch (and with it libtorch_cpu) into the process
        string? path = LoadedLibTorchCpu();
        if (path is null)
        {
            throw new LibTorchInteropException("libtorch_cpu is not loaded in this process, so autocast and cuDNN autotuning cannot be bound.");
        }
        return Bind(path);
    }

    /// <summary>The libtorch_cpu file mapped into this process (Linux: /proc/self/maps), else the name for the loader.</summary>
    internal static string? LoadedLibTorchCpu()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/self/maps"))
                {
                    int slash = line.IndexOf('/', StringComparison.Ordinal);
                    if (slash >= 0 && Path.GetFileName(line[slash..].Trim()).StartsWith("libtorch_cpu.so", StringComparison.Ordinal))
                    {
                        return line[slash..].Trim();
                    }
                }
            }
            catch (IOException)
            {
            }
            return null;
        }
        return OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : null;
    }

    /// <summary>Turns cuDNN autotuning on or off (process-wide).</summary>
    public void SetBenchmarkCuDnn(bool enabled) => _setBenchmarkCuDnn(_globalContext(), enabled ? (byte)1 : (byte)0);

    /// <summary>Whether cuDNN autotuning is on.</summary>
    public bool BenchmarkCuDnn => _benchmarkCuDnn(_globalContext()) != 0;

    /// <summary><c>at::autocast::is_autocast_enabled(device)</c> for the calling thread.</summary>
    internal bool IsAutocastEnabled(DeviceType device) => _isAutocastEnabled((sbyte)device) != 0;

    /// <summary><c>at::autocast::set_autocast_enabled(device, enabled)</c> for the calling thread.</summary>
    internal void SetAutocastEnabled(DeviceType device, bool enabled) => _setAutocastEnabled((sbyte)device, enabled ? (byte)1 : (byte)0);

    /// <summary><c>at::autocast::get_autocast_dtype(device)</c> for the calling thread.</summary>
    internal torch.ScalarType GetAutocastDtype(DeviceType device) => (torch.ScalarType)_getAutocastDtype((sbyte)device);

    /// <summary><c>at::autocast::set_autocast_dtype(device, dtype)</c> for the calling thread.</summary>
    internal void SetAutocastDtype(DeviceType device, torch.ScalarType dtype) => _setAutocastDtype((sbyte)device, (sbyte)dtype);

    /// <summary><c>at::autocast::increment_nesting()</c>: the new depth.</summary>
    internal int IncrementNesting() => _incrementNesting();

    /// <summary><c>at::autocast::decrement_nesting()</c>: the new depth.</summary>
    internal int DecrementNesting() => _decrementNesting();

    /// <summary><c>at::autocast::clear_cache()</c>: drops the cached low-precision copies of the weights.</summary>
    internal void ClearCache() => _clearCache();
}
