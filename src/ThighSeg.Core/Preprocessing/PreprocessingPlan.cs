using System.Text.Json.Nodes;

namespace ThighSeg.Core.Preprocessing;

/// <summary>The outcome of <see cref="PreprocessingPlanner.Plan"/>: what to train at, and why.</summary>
/// <param name="TargetSpacingMm">In-plane spacing of network slices, mm.</param>
/// <param name="TargetSize">Network slice size, pixels (a multiple of 2^depth).</param>
/// <param name="BaseFilters">U-Net base filters F.</param>
/// <param name="Fingerprint">The data the plan was made for.</param>
/// <param name="Overridden">Names of the values the caller fixed (<c>spacing</c>, <c>size</c>, <c>filters</c>).</param>
/// <param name="Notes">Why each value was chosen, in words.</param>
/// <param name="Warnings">Problems the caller must pass on (for example a frame that crops the largest thigh).</param>
public sealed record PreprocessingPlan(
    double TargetSpacingMm,
    int TargetSize,
    int BaseFilters,
    DataFingerprint Fingerprint,
    IReadOnlyList<string> Overridden,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Field of view of the network frame, mm.</summary>
    public double FrameMm => TargetSize * TargetSpacingMm;

    /// <summary>Whether the frame is smaller than the largest part extent (that part is cropped).</summary>
    public bool Crops => FrameMm < Fingerprint.MaxExtentMm;

    /// <summary><paramref name="options"/> with the planned spacing and size.</summary>
    public PreprocessingOptions Apply(PreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { TargetSpacingMm = TargetSpacingMm, TargetSize = TargetSize };
    }

    /// <summary>The plan as JSON, as recorded in model manifests (next to the preprocessing it produced).</summary>
    public JsonObject ToJson() => new()
    {
        ["target_spacing_mm"] = TargetSpacingMm,
        ["target_size"] = TargetSize,
        ["base_filters"] = BaseFilters,
        ["frame_mm"] = FrameMm,
        ["crops"] = Crops,
        ["fingerprint"] = Fingerprint.ToJson(),
        ["overridden"] = new JsonArray([.. Overridden.Select(o => (JsonNode)o)]),
        ["notes"] = new JsonArray([.. Notes.Select(o => (JsonNode)o)]),
        ["warnings"] = new JsonArray([.. Warnings.Select(o => (JsonNode)o)]),
    };
}
