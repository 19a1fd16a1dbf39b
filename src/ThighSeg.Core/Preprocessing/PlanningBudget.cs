namespace ThighSeg.Core.Preprocessing;

/// <summary>
/// The memory and time budget the <see cref="PreprocessingPlanner"/> plans within. Immutable; every value is validated
/// when set. Defaults: at most 160 px, and a per-slice compute of at most 112² px · 16² filters (the configuration that
/// reached Dice 0.922 with 10 labelled subjects on an independent cohort in 7.5 min on 2 cores; docs/training.md), so
/// 112 px gets F = 16 and 160 px gets F = 8.
/// </summary>
public sealed record PlanningBudget
{
    /// <summary>The defaults.</summary>
    public static PlanningBudget Default { get; } = new();

    /// <summary>Largest network slice size, pixels, in [16, 2048] (a memory bound: activations grow with its square).</summary>
    public int MaxSize
    {
        get;
        init => field = value is >= 16 and <= 2048 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSize), value, "MaxSize must be in [16, 2048] pixels.");
    } = 160;

    /// <summary>Largest size² · F² (pixels² · filters², proportional to a U-Net's convolution work per slice), in
    /// [1e4, 1e12]; the base filters are the largest of the ladder within it.</summary>
    public double MaxComputePerSlice
    {
        get;
        init => field = value is >= 1e4 and <= 1e12 ? value : throw new ArgumentOutOfRangeException(nameof(MaxComputePerSlice), value, "MaxComputePerSlice must be in [1e4, 1e12].");
    } = 112.0 * 112 * 16 * 16;

    /// <summary>Smallest base filters the planner chooses, in [2, 256]; default 8.</summary>
    public int MinFilters
    {
        get;
        init => field = value is >= 2 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(MinFilters), value, "MinFilters must be in [2, 256].");
    } = 8;

    /// <summary>Largest base filters the planner chooses, in [2, 256]; default 32.</summary>
    public int MaxFilters
    {
        get;
        init => field = value is >= 2 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(MaxFilters), value, "MaxFilters must be in [2, 256].");
    } = 32;

    /// <summary>Margin of the frame over the largest part extent, in [1, 2]; default 1.1 (10 %).</summary>
    public double Margin
    {
        get;
        init => field = value is >= 1 and <= 2 ? value : throw new ArgumentOutOfRangeException(nameof(Margin), value, "Margin must be in [1, 2].");
    } = 1.1;
}
