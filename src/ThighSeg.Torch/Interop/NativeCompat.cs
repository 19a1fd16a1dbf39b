using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Makes TorchSharp's native library loadable on systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04),
/// automatically and without touching the NuGet cache or system folders. See <c>docs/native-compat.md</c>.
/// </summary>
/// <remarks>
/// On first use, when the system libstdc++ lacks a version that <c>libLibTorchSharp.so</c> records, a patched copy of
/// that one file is written (atomically) to <c>$XDG_CACHE_HOME/thighseg/native/&lt;key&gt;/</c> next to symbolic links
/// to its sibling libtorch libraries, and a DllImport resolver on the TorchSharp assembly loads the copy. Turn it off
/// with the environment variable <c>THIGHSEG_NATIVE_COMPAT=0</c> or the AppContext switch
/// <c>ThighSeg.NativeCompat.Disable</c>. Thread-safe; runs once per process.
/// </remarks>
public static class NativeCompat
{
    /// <summary>The environment variable that turns the layer off when set to <c>0</c>, <c>false</c> or <c>off</c>.</summary>
    public const string DisableVariable = "THIGHSEG_NATIVE_COMPAT";

    /// <summary>The AppContext switch that turns the layer off.</summary>
    public const string DisableSwitch = "ThighSeg.NativeCompat.Disable";

    /// <summary>The environment variable that overrides the cache folder for patched libraries.</summary>
    public const string CacheVariable = "THIGHSEG_NATIVE_CACHE";

    private const string LibraryFile = "libLibTorchSharp.so";
    private static readonly Lazy<NativeCompatReport> Report = new(Run, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Prepares TorchSharp's native library for this process (idempotent). Call before the first TorchSharp call;
    /// every ThighSeg entry point that touches TorchSharp calls it for you.
    /// </summary>
    /// <exception cref="NativeCompatException">The library needs a libstdc++ feature the system lacks and cannot be patched.</exception>
    public static NativeCompatReport Ensure() => Report.Value;

    /// <summary>True when the layer has been turned off by the environment variable or the AppContext switch.</summary>
    public static bool IsDisabled()
    {
        if (AppContext.TryGetSwitch(DisableSwitch, out bool off) && off)
        {
            return true;
        }
        string? v = Environment.GetEnvironmentVariable(DisableVariable);
        return v is not null && (v == "0" || v.Equals("false", StringComparison.OrdinalIgnoreCase) || v.Equals("off", StringComparison.OrdinalIgnoreCase));
    }

    private static NativeCompatReport Run()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new(NativeCompatStatus.NotApplicable, null, null, []);
        }
        string? external = ExternalLibTorch.ConfiguredFolder();
        if (IsDisabled() && external is null)
        {
            return new(NativeCompatStatus.Disabled, FindOriginalLibrary(), null, []);
        }
        string? original = FindOriginalLibrary();
        string? libstdcxx = FindSystemLibStdCxx();
        if (external is not null && original is null)
        {
            throw new NativeCompatException($"{ExternalLibTorch.Variable}={external} is set, but TorchSharp's {LibraryFile} was not found next to the application; reference the TorchSharp package.");
        }
        if (original is null || libstdcxx is null)
        {
            return new(NativeCompatStatus.NotApplicable, original, null, []);
        }
        var image = new ElfImage(File.ReadAllBytes(original));
        var available = new ElfImage(File.ReadAllBytes(libstdcxx)).VersionDefinitions();
        var plan = LibStdCxxPatchPlan.Create(image, available);
        if (external is not null)
        {
            byte[] bridge = plan.IsNoOp || IsDisabled() ? image.Bytes.ToArray() : image.WithPatches(plan.Patches);
            return new(NativeCompatStatus.External, original, ExternalLibTorch.Prepare(external, original, bridge), plan.IsNoOp ? [] : plan.MissingVersions);
        }
        if (plan.IsNoOp)
        {
            return new(NativeCompatStatus.NotNeeded, original, null, []);
        }
        string patched = WritePatchedCopy(original, image.WithPatches(plan.Patches), plan);
        RegisterResolver(patched);
        return new(NativeCompatStatus.Patched, original, patched, plan.MissingVersions);
    }

    /// <summary>Finds the libLibTorchSharp.so that the runtime would load for the TorchSharp assembly.</summary>
    internal static string? FindOriginalLibrary()
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
        {
            dirs.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }
        string? torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
        {
            dirs.Add(torchDir);
            dirs.Add(Path.Combine(torchDir, "runtimes", "linux-x64", "native"));
            // NuGet cache layout: lib/net8.0/TorchSharp.dll next to runtimes/linux-x64/native.
            dirs.Add(Path.GetFullPath(Path.Combine(torchDir, "..", "..", "runtimes", "linux-x64", "native")));
        }
        dirs.Add(AppContext.BaseDirectory);
        return dirs.Select(d => Path.Combine(d, LibraryFile)).FirstOrDefault(File.Exists);
    }

    /// <summary>Finds the libstdc++.so.6 the dynamic loader uses for this process.</summary>
    internal static string? FindSystemLibStdCxx()
    {
        if (!NativeLibrary.TryLoad(LibStdCxxPatchPlan.LibStdCxx, out _))
        {
            return null;
        }
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.AsSpan(slash).Contains("/libstdc++.so.6", StringComparison.Ordinal))
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

    /// <summary>The folder that holds patched copies: <c>THIGHSEG_NATIVE_CACHE</c>, else the XDG cache, else the temp folder.</summary>
    internal static string CacheRoot()
    {
        string? overrideDir = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrWhiteSpace(overrideDir))
        {
            return overrideDir;
        }
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string baseDir = !string.IsNullOrWhiteSpace(xdg) ? xdg
            : !string.IsNullOrWhiteSpace(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(baseDir, "thighseg", "native");
    }

    private static string WritePatchedCopy(string original, byte[] patchedBytes, LibStdCxxPatchPlan plan)
    {
        string originalDir = Path.GetDirectoryName(Path.GetFullPath(original))!;
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            originalDir + "\n" + Convert.ToHexString(SHA256.HashData(patchedBytes)) + "\n" + string.Join(",", plan.MissingVersions))))[..20].ToLowerInvariant();
        return WriteBridgeCopy(Path.Combine(CacheRoot(), key), originalDir, patchedBytes);
    }

    /// <summary>
    /// Writes <paramref name="bridgeBytes"/> as libLibTorchSharp.so into <paramref name="dir"/> (atomically; an identical
    /// file is kept) next to symbolic links to every other file of <paramref name="libraryDir"/>, so that the copy's
    /// <c>$ORIGIN</c> run path finds those libraries. Returns the copy's path.
    /// </summary>
    internal static string WriteBridgeCopy(string dir, string libraryDir, byte[] bridgeBytes)
    {
        string originalDir = libraryDir;
        byte[] patchedBytes = bridgeBytes;
        Directory.CreateDirectory(dir);

        // Siblings (libtorch.so, libc10.so, ...) are linked so that the copy's $ORIGIN RUNPATH finds them.
        foreach (string sibling in Directory.EnumerateFiles(originalDir))
        {
            string name = Path.GetFileName(sibling);
            if (name == LibraryFile)
            {
                continue;
            }
            string link = Path.Combine(dir, name);
            var existing = new FileInfo(link);
            if (existing.LinkTarget == sibling)
            {
                continue;
            }
            string tmpLink = Path.Combine(dir, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.CreateSymbolicLink(tmpLink, sibling);
            File.Move(tmpLink, link, overwrite: true);
        }

        string target = Path.Combine(dir, LibraryFile);
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(patchedBytes))
        {
            string tmp = Path.Combine(dir, $".{LibraryFile}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(tmp, patchedBytes);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            File.Move(tmp, target, overwrite: true);
        }
        return target;
    }

    private static void RegisterResolver(string patchedPath)
    {
        var handle = new Lazy<IntPtr>(() => NativeLibrary.Load(patchedPath), LazyThreadSafetyMode.ExecutionAndPublication);
        static bool IsTorchSharpLibrary(string name) => name is "LibTorchSharp" or LibraryFile;

        // TorchSharp first loads "LibTorchSharp" with NativeLibrary.TryLoad(name, assembly, ...), which does not consult
        // DllImport resolvers but falls back to this event once default probing (the unpatched original) fails.
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (_, name) => IsTorchSharpLibrary(name) ? handle.Value : IntPtr.Zero;
        try
        {
            // P/Invoke calls resolve through the resolver before any probing.
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) => IsTorchSharpLibrary(name) ? handle.Value : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // Another component owns the resolver; the ResolvingUnmanagedDll event above still serves TorchSharp,
            // and once the patched copy is loaded its soname satisfies later lookups.
        }
    }
}
