namespace ThighSeg.Core.Abstractions;

/// <summary>How PCL decides which slice pairs attract each other.</summary>
public enum PositivePairs
{
    /// <summary>The reference design: pairs whose normalised positions differ by less than theta are positives (weight 1),
    /// all others negatives.</summary>
    Hard,

    /// <summary>Soft positional positives (WSP, MICCAI 2023): every pair is a positive with weight
    /// <c>exp(−(Δp)²/(2σ²))</c>, so near slices attract strongly and far slices hardly at all; no threshold.</summary>
    Soft,
}
