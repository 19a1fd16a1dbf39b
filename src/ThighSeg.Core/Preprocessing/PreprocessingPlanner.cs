using System.Globalization;

namespace ThighSeg.Core.Preprocessing;

/// <summary>
/// Self-configuring preprocessing for 2D slices (nnU-Net's fingerprint → plan, reduced): chooses the in-plane target
/// spacing, the network slice size and the U-Net base filters from a <see cref="DataFingerprint"/> and a
/// <see cref="PlanningBudget"/>. Explicit values override field by field; a thigh larger than the frame is never
/// cropped silently. Pure and thread-safe.
/// </summary>
/// <remarks>
/// The rule (docs/training.md, "Self-configuring preprocessing"):
/// <list type="number">
/// <item>Spacing: the data's median in-plane spacing (native resolution; a 3 mm grid loses a 5-8 mm muscle).</item>
/// <item>Size: the smallest multiple of 2^depth whose frame holds the largest part extent times the margin.</item>
/// <item>If that exceeds the budget's largest size, the spacing is coarsened until the frame fits at that size
/// (unless the caller fixed the spacing: then the size is capped and the plan warns that the largest thigh is cropped).
/// A size fixed by the caller coarsens the spacing the same way; both fixed and too small: a warning.</item>
/// <item>Filters: the largest of 8, 12, 16, 24, 32, 48, 64 within [MinFilters, MaxFilters] with size² · F² within the
/// compute budget (at least MinFilters).</item>
/// </list>
/// </remarks>
public static class PreprocessingPlanner
{
    private static readonly int[] FilterLadder = [8, 12, 16, 24, 32, 48, 64];

    /// <summary>Plans spacing, size and filters for <paramref name="fingerprint"/>.</summary>
    /// <param name="fingerprint">The training data's fingerprint.</param>
    /// <param name="budget">Memory and time budget; defaults when null.</param>
    /// <param name="depth">U-Net depth (the size is a multiple of 2^depth), in [1, 8].</param>
    /// <param name="spacingMm">A spacing fixed by the caller, or null to plan it.</param>
    /// <param name="size">A size fixed by the caller (a multiple of 2^depth), or null to plan it.</param>
    /// <param name="filters">Base filters fixed by the caller, or null to plan them.</param>
    /// <exception cref="ArgumentOutOfRangeException">A fixed value outside its range, or a size that is not a multiple of 2^depth.</exception>
    public static PreprocessingPlan Plan(DataFingerprint fingerprint, PlanningBudget? budget = null, int depth = 4, double? spacingMm = null, int? size = null, int? filters = null)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, 8);
        var b = budget ?? PlanningBudget.Default;
        int unit = 1 << depth;
        if (size is int fixedSize && (fixedSize < unit || fixedSize % unit != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(size), fixedSize, $"The size must be a positive multiple of {unit} (2^depth).");
        }
        if (spacingMm is double fixedSpacing && !(fixedSpacing is >= 0.05 and <= 20))
        {
            throw new ArgumentOutOfRangeException(nameof(spacingMm), fixedSpacing, "The spacing must be in [0.05, 20] mm.");
        }
        if (filters is int fixedFilters && fixedFilters is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(filters), fixedFilters, "The base filters must be in [1, 1024].");
        }
        var overridden = new List<string>();
        var notes = new List<string>();
        var warnings = new List<string>();
        double need = fingerprint.MaxExtentMm * b.Margin;
        int maxSize = Math.Max(unit, b.MaxSize / unit * unit);
        string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);

        double spacing;
        int n;
        if (spacingMm is double sp)
        {
            overridden.Add("spacing");
            spacing = sp;
            if (size is int sz)
            {
                overridden.Add("size");
                n = sz;
            }
            else
            {
                n = RoundUp(need / spacing, unit);
                if (n > maxSize)
                {
                    notes.Add(Inv($"size {n} px would hold the largest part at {spacing:0.###} mm; capped at the budget's {maxSize} px"));
                    n = maxSize;
                }
                else
                {
                    notes.Add(Inv($"size {n} px: the smallest multiple of {unit} holding {need:0.#} mm (largest part x {b.Margin:0.##}) at {spacing:0.###} mm"));
                }
            }
        }
        else
        {
            spacing = Math.Clamp(fingerprint.MedianSpacingMm, 0.05, 20);
            notes.Add(Inv($"spacing {spacing:0.###} mm: the data's median in-plane spacing"));
            if (size is int sz)
            {
                overridden.Add("size");
                n = sz;
                if (need / spacing > n)
                {
                    spacing = Math.Min(20, CeilTo(need / n, 0.001));
                    notes.Add(Inv($"spacing coarsened to {spacing:0.###} mm so that {n} px hold {need:0.#} mm"));
                }
            }
            else
            {
                n = RoundUp(need / spacing, unit);
                if (n > maxSize)
                {
                    n = maxSize;
                    spacing = Math.Min(20, CeilTo(need / n, 0.001));
                    notes.Add(Inv($"spacing coarsened to {spacing:0.###} mm so that the budget's {n} px hold {need:0.#} mm (largest part x {b.Margin:0.##})"));
                }
                else
                {
                    notes.Add(Inv($"size {n} px: the smallest multiple of {unit} holding {need:0.#} mm (largest part x {b.Margin:0.##})"));
                }
            }
        }

        if (n * spacing < fingerprint.MaxExtentMm)
        {
            warnings.Add(Inv($"the network frame ({n} px x {spacing:0.###} mm = {n * spacing:0.#} mm) is smaller than the largest thigh ({fingerprint.MaxExtentMm:0.#} mm): that thigh is cropped. Give a larger size or a coarser spacing, or let the planner choose them."));
        }

        int f;
        if (filters is int ff)
        {
            overridden.Add("filters");
            f = ff;
        }
        else
        {
            f = Math.Max(b.MinFilters, FilterLadder.Where(x => x >= b.MinFilters && x <= b.MaxFilters && (double)n * n * x * x <= b.MaxComputePerSlice).DefaultIfEmpty(b.MinFilters).Max());
            notes.Add(Inv($"filters {f}: the largest with {n}² px x F² within the compute budget {b.MaxComputePerSlice:0.###e0}"));
        }
        return new PreprocessingPlan(spacing, n, f, fingerprint, overridden, notes, warnings);
    }

    private static int RoundUp(double pixels, int unit) => Math.Max(unit, (int)Math.Ceiling(pixels / unit - 1e-9) * unit);

    private static double CeilTo(double v, double step) => Math.Ceiling((v / step) - 1e-9) * step;
}
