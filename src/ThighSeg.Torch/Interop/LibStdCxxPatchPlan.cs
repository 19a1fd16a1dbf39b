namespace ThighSeg.Torch.Interop;

/// <summary>
/// Decides whether <c>libLibTorchSharp.so</c> needs the libstdc++ compatibility patch on this system, and what it changes.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked with GCC 13 and records a requirement on
/// <c>GLIBCXX_3.4.32</c> for exactly one symbol, <c>std::ios_base_library_init()</c>, which GCC 13 references only to
/// pull in iostream initialisation; no relocation uses it. Older libstdc++ builds (Debian 12, Ubuntu 22.04) stop at
/// <c>GLIBCXX_3.4.30</c>, so the dynamic loader refuses the library. The plan marks each missing version requirement
/// weak (glibc then tolerates its absence) and makes the symbols bound to it unversioned. It refuses, with a
/// <see cref="NativeCompatException"/>, when a symbol with a missing version is actually used by a relocation, because
/// then the library really needs the newer runtime.
/// </remarks>
internal sealed class LibStdCxxPatchPlan
{
    /// <summary>The needed-file name whose versions are checked.</summary>
    public const string LibStdCxx = "libstdc++.so.6";

    private LibStdCxxPatchPlan(IReadOnlyList<string> missing, IReadOnlyList<string> symbols, IReadOnlyList<(int Offset, ushort Value)> patches)
    {
        MissingVersions = missing;
        AffectedSymbols = symbols;
        Patches = patches;
    }

    /// <summary>Versions of libstdc++ the library requires and the system lacks (empty when nothing is to be done).</summary>
    public IReadOnlyList<string> MissingVersions { get; }

    /// <summary>Dynamic symbols bound to a missing version.</summary>
    public IReadOnlyList<string> AffectedSymbols { get; }

    /// <summary>The 16-bit writes that make up the patch.</summary>
    public IReadOnlyList<(int Offset, ushort Value)> Patches { get; }

    /// <summary>True when the system libstdc++ already provides every required version: the compatibility layer is a no-op.</summary>
    public bool IsNoOp => MissingVersions.Count == 0;

    /// <summary>Plans the patch of <paramref name="library"/> against the versions a libstdc++ defines.</summary>
    public static LibStdCxxPatchPlan Create(ElfImage library, IReadOnlySet<string> availableVersions)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(availableVersions);
        var missing = library.VersionNeeds()
            .Where(n => n.File == LibStdCxx && !availableVersions.Contains(n.Name))
            .ToList();
        if (missing.Count == 0)
        {
            return new LibStdCxxPatchPlan([], [], []);
        }

        var patches = new List<(int, ushort)>();
        var symbols = new List<string>();
        var missingIndices = missing.Select(m => m.Index).ToHashSet();
        var relocated = library.RelocatedSymbolIndices();
        foreach (var sym in library.DynamicSymbols())
        {
            if (!missingIndices.Contains((ushort)(sym.VersionIndex & 0x7fff)))
            {
                continue;
            }
            if (!sym.IsUndefined || relocated.Contains(sym.Index) || sym.VersymOffset < 0)
            {
                throw new NativeCompatException(
                    $"libLibTorchSharp.so uses '{sym.Name}' from {string.Join(", ", missing.Select(m => m.Name))}, which this system's libstdc++ lacks; " +
                    "install a newer libstdc++ (GCC 13 or later).");
            }
            symbols.Add(sym.Name);
            patches.Add((sym.VersymOffset, (ushort)1)); // VER_NDX_GLOBAL: unversioned
        }
        foreach (var need in missing)
        {
            patches.Add((need.FlagsOffset, (ushort)(need.Flags | ElfImage.VerFlagWeak)));
        }
        return new LibStdCxxPatchPlan(missing.Select(m => m.Name).ToList(), symbols, patches);
    }
}
