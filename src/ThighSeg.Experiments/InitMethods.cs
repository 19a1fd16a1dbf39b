using ThighSeg.Core.Abstractions;

namespace ThighSeg.Experiments;

/// <summary>Names of <see cref="InitMethod"/> as used on the command line and in result files.</summary>
public static class InitMethods
{
    /// <summary>The lower-case name: rnd, pcl, gcl, simclr.</summary>
    public static string Name(this InitMethod method) => method switch
    {
        InitMethod.Rnd => "rnd",
        InitMethod.Pcl => "pcl",
        InitMethod.Gcl => "gcl",
        InitMethod.SimClr => "simclr",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method."),
    };

    /// <summary>Parses rnd, pcl, gcl or simclr (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static InitMethod Parse(string text) => text?.Trim().ToUpperInvariant() switch
    {
        "RND" or "RANDOM" => InitMethod.Rnd,
        "PCL" => InitMethod.Pcl,
        "GCL" => InitMethod.Gcl,
        "SIMCLR" => InitMethod.SimClr,
        _ => throw new ArgumentException($"Unknown method '{text}'; use rnd, pcl, gcl or simclr.", nameof(text)),
    };

    /// <summary>The contrastive method that pretrains for <paramref name="method"/>, or null for <see cref="InitMethod.Rnd"/>.</summary>
    public static ContrastiveMethod? Contrastive(this InitMethod method) => method switch
    {
        InitMethod.Pcl => ContrastiveMethod.Pcl,
        InitMethod.Gcl => ContrastiveMethod.Gcl,
        InitMethod.SimClr => ContrastiveMethod.SimClr,
        _ => null,
    };
}
