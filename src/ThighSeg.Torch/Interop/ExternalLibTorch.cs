using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Runs TorchSharp against a libtorch that is already installed, typically the <c>lib</c> folder of a Python PyTorch
/// with CUDA, named by the environment variable <see cref="Variable"/>. Part of <see cref="NativeCompat.Ensure"/>, the
/// one place where native libraries are prepared; see docs/gpu.md.
/// </summary>
/// <remarks>
/// Before anything is loaded, the folder is checked: its libtorch version (PyTorch's <c>torch/version.py</c> or
/// libtorch's <c>build-version</c> next to the folder) must be one TorchSharp 0.107 works with
/// (<see cref="LibTorchInterop.MinimumVersion"/> or a newer 2.x), and the C++ symbols <c>libLibTorchSharp.so</c> imports
/// are looked up in the folder's libraries (ELF, managed code; thread_local init hooks, weak references, are not
/// counted); a few may be missing (PyTorch 2.11 lacked 5 of about 1,200, helpers that are never called), more than <see cref="MaxMissingFraction"/> is refused. Any failure is a
/// <see cref="NativeCompatException"/> that says what was found and what is needed, never a crash. Then a copy of
/// <c>libLibTorchSharp.so</c> (patched for an old libstdc++ when needed) is placed in the cache next to links to the
/// folder's libraries, so that its <c>$ORIGIN</c> run path binds it to them, and the runtime's unmanaged-library
/// resolution loads that copy and the folder's <c>libtorch_*</c> libraries. The application must not ship a libtorch of
/// its own (build it without a libtorch package: <c>-p:ThighSegExternalLibTorch=true</c>): two libtorch copies in one
/// process cannot work, so that is refused too.
/// </remarks>
public static class ExternalLibTorch
{
    /// <summary>The environment variable naming the folder that holds <c>libtorch_cpu.so</c> (for PyTorch: <c>torch/lib</c>).</summary>
    public const string Variable = "THIGHSEG_LIBTORCH";

    /// <summary>The largest fraction of LibTorchSharp's libtorch imports that may be missing from the folder.</summary>
    public const double MaxMissingFraction = 0.02;

    private const string LibraryFile = "libLibTorchSharp.so";

    /// <summary>The folder named by <see cref="Variable"/>, or null when it is not set.</summary>
    public static string? ConfiguredFolder()
    {
        string? v = Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
    }

    /// <summary>What <see cref="Check"/> found.</summary>
    /// <param name="Folder">The libtorch folder.</param>
    /// <param name="Version">The libtorch version, or null when the folder does not say.</param>
    /// <param name="VersionSource">The file the version was read from.</param>
    /// <param name="Imports">C++ symbols libLibTorchSharp.so imports from libtorch.</param>
    /// <param name="Missing">Those the folder's libraries do not export.</param>
    public sealed record Inspection(string Folder, Version? Version, string? VersionSource, int Imports, IReadOnlyList<string> Missing);

    /// <summary>
    /// Checks that TorchSharp's <paramref name="bridgeLibrary"/> (libLibTorchSharp.so) can run against the libtorch in
    /// <paramref name="folder"/>, without loading either.
    /// </summary>
    /// <exception cref="NativeCompatException">The folder is missing, holds no libtorch, an unsupported version, or lacks too many symbols; the message says what was found and what is needed.</exception>
    public static Inspection Check(string folder, string bridgeLibrary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(bridgeLibrary);
        string needed = string.Create(CultureInfo.InvariantCulture,
            $"TorchSharp 0.107 needs libtorch {LibTorchInterop.MinimumVersion.Major}.{LibTorchInterop.MinimumVersion.Minor} or a newer {LibTorchInterop.MinimumVersion.Major}.x (the torch/lib folder of PyTorch {LibTorchInterop.MinimumVersion.Major}.{LibTorchInterop.MinimumVersion.Minor} or newer)");
        string where = $"{Variable}={folder}";
        if (!Directory.Exists(folder))
        {
            throw new NativeCompatException($"{where}: no such folder. {needed}; unset {Variable} to use the libtorch the application ships.");
        }
        string cpu = Path.Combine(folder, "libtorch_cpu.so");
        if (!File.Exists(cpu))
        {
            throw new NativeCompatException($"{where}: the folder holds no libtorch_cpu.so; name the folder with libtorch's libraries (for PyTorch: python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),\"lib\"))'). {needed}.");
        }
        var (version, source) = ReadVersion(folder);

        var imports = new ElfImage(File.ReadAllBytes(bridgeLibrary)).DynamicSymbols()
            .Where(s => s.IsUndefined && s.VersionIndex <= 1 && s.Name.StartsWith("_Z", StringComparison.Ordinal)
                // thread_local init hooks (_ZTH): weak references that libtorch need not define
                && !s.Name.StartsWith("_ZTH", StringComparison.Ordinal))
            .Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (string lib in Directory.EnumerateFiles(folder, "lib*.so"))
        {
            string name = Path.GetFileName(lib);
            if (name is "libtorch.so" or "libtorch_cpu.so" or "libc10.so" or "libtorch_cuda.so" or "libc10_cuda.so" or "libtorch_global_deps.so")
            {
                foreach (var s in new ElfImage(File.ReadAllBytes(lib)).DynamicSymbols())
                {
                    if (!s.IsUndefined && imports.Contains(s.Name))
                    {
                        exported.Add(s.Name);
                    }
                }
            }
        }
        var missing = imports.Where(s => !exported.Contains(s)).Order(StringComparer.Ordinal).ToList();
        var inspection = new Inspection(folder, version, source, imports.Count, missing);

        string found = version is null
            ? "a libtorch of unknown version (no torch/version.py or build-version next to the folder)"
            : $"libtorch {version} (from {source})";
        string symbols = string.Create(CultureInfo.InvariantCulture,
            $"{missing.Count} of the {imports.Count} libtorch symbols {LibraryFile} imports are missing there{(missing.Count > 0 ? $" (for example {string.Join(", ", missing.Take(3))})" : "")}");
        if (version is not null && LibTorchInterop.CheckVersion(version) is not null)
        {
            throw new NativeCompatException($"{where} holds {found}; {needed}. {symbols}. Unset {Variable} to use the libtorch the application ships.");
        }
        if (missing.Count > MaxMissingFraction * imports.Count)
        {
            throw new NativeCompatException($"{where} holds {found}, but {symbols}; {needed}.");
        }
        return inspection;
    }

    /// <summary>The version of the libtorch in <paramref name="folder"/>: PyTorch's <c>../version.py</c> or libtorch's <c>../build-version</c>.</summary>
    internal static (Version? Version, string? Source) ReadVersion(string folder)
    {
        string parent = Path.GetFullPath(Path.Combine(folder, ".."));
        string py = Path.Combine(parent, "version.py");
        if (File.Exists(py))
        {
            var m = Regex.Match(File.ReadAllText(py), @"__version__\s*=\s*['""]([^'""]+)['""]", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (m.Success)
            {
                return (LibTorchInterop.ParseVersion(m.Groups[1].Value), $"{py}: '{m.Groups[1].Value}'");
            }
        }
        string build = Path.Combine(parent, "build-version");
        if (File.Exists(build))
        {
            string text = File.ReadAllText(build).Trim();
            return (LibTorchInterop.ParseVersion(text), $"{build}: '{text}'");
        }
        return (null, null);
    }

    /// <summary>
    /// Checks <paramref name="folder"/>, writes the bridge copy (<paramref name="bridgeBytes"/>: the original or its
    /// libstdc++-patched bytes) next to links to the folder's libraries, and makes the runtime load them.
    /// </summary>
    /// <returns>The path of the bridge copy that will be loaded.</returns>
    /// <exception cref="NativeCompatException">The check fails, or the application ships its own libtorch.</exception>
    internal static string Prepare(string folder, string original, byte[] bridgeBytes)
    {
        Check(folder, original);
        string originalDir = Path.GetDirectoryName(Path.GetFullPath(original))!;
        if (File.Exists(Path.Combine(originalDir, "libtorch_cpu.so")))
        {
            throw new NativeCompatException(
                $"{Variable}={folder} is set, but this application ships its own libtorch ({Path.Combine(originalDir, "libtorch_cpu.so")}); two libtorch copies cannot share a process. " +
                $"Use a build without a libtorch package (-p:ThighSegExternalLibTorch=true, docs/gpu.md), or unset {Variable}.");
        }
        string full = Path.GetFullPath(folder);
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(full + "\n" + Convert.ToHexString(SHA256.HashData(bridgeBytes)))))[..20].ToLowerInvariant();
        string copy = NativeCompat.WriteBridgeCopy(Path.Combine(NativeCompat.CacheRoot(), "external-" + key), full, bridgeBytes);
        string copyDir = Path.GetDirectoryName(copy)!;
        IntPtr Resolve(string name)
        {
            if (name is "LibTorchSharp" or LibraryFile)
            {
                return NativeLibrary.Load(copy);
            }
            string file = name.StartsWith("lib", StringComparison.Ordinal) ? name : "lib" + name;
            file = file.EndsWith(".so", StringComparison.Ordinal) ? file : file + ".so";
            string candidate = Path.Combine(copyDir, file);
            return File.Exists(candidate) ? NativeLibrary.Load(candidate) : IntPtr.Zero;
        }
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (_, name) => Resolve(name);
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) => Resolve(name));
        }
        catch (InvalidOperationException)
        {
            // Another component owns the resolver; the ResolvingUnmanagedDll event above still serves TorchSharp.
        }
        return copy;
    }
}
