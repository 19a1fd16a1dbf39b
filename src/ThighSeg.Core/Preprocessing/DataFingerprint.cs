using System.Globalization;
using System.Text.Json.Nodes;

namespace ThighSeg.Core.Preprocessing;

/// <summary>
/// nnU-Net's data fingerprint, reduced to what a 2D slice network needs: the training images' median in-plane spacing,
/// the largest and median part (half-thigh) extent, and the median slice count. Built from
/// <see cref="SubjectGeometry"/> records with <see cref="From"/>.
/// </summary>
/// <param name="Subjects">Images measured.</param>
/// <param name="MedianSpacingMm">Median of the in-plane spacings (x and y of every image pooled), mm.</param>
/// <param name="MaxExtentMm">Largest part extent over all images (the frame must hold it), mm.</param>
/// <param name="MedianExtentMm">Median part extent, mm.</param>
/// <param name="MedianSlices">Median slice count.</param>
public sealed record DataFingerprint(int Subjects, double MedianSpacingMm, double MaxExtentMm, double MedianExtentMm, double MedianSlices)
{
    /// <summary>The fingerprint of <paramref name="geometries"/>.</summary>
    /// <exception cref="ArgumentException">No geometry given, or a spacing or extent that is not positive and finite.</exception>
    public static DataFingerprint From(IEnumerable<SubjectGeometry> geometries)
    {
        ArgumentNullException.ThrowIfNull(geometries);
        var g = geometries.ToList();
        if (g.Count == 0)
        {
            throw new ArgumentException("A data fingerprint needs at least one image.", nameof(geometries));
        }
        foreach (var x in g)
        {
            if (!(x.SpacingXMm > 0 && x.SpacingYMm > 0 && double.IsFinite(x.SpacingXMm) && double.IsFinite(x.SpacingYMm) && x.ExtentMm > 0 && double.IsFinite(x.ExtentMm)))
            {
                throw new ArgumentException($"Subject '{x.SubjectId}' has an invalid geometry ({x}).", nameof(geometries));
            }
        }
        return new DataFingerprint(
            g.Count,
            Median(g.SelectMany(x => new[] { x.SpacingXMm, x.SpacingYMm })),
            g.Max(x => x.ExtentMm),
            Median(g.Select(x => x.ExtentMm)),
            Median(g.Select(x => (double)x.Slices)));
    }

    /// <summary>The fingerprint as JSON (for model manifests and provenance).</summary>
    public JsonObject ToJson() => new()
    {
        ["subjects"] = Subjects,
        ["median_spacing_mm"] = MedianSpacingMm,
        ["max_extent_mm"] = MaxExtentMm,
        ["median_extent_mm"] = MedianExtentMm,
        ["median_slices"] = MedianSlices,
    };

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Subjects} images, median spacing {MedianSpacingMm:0.###} mm, part extent {MedianExtentMm:0.#} mm median / {MaxExtentMm:0.#} mm max, {MedianSlices:0.#} slices");

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }
}
