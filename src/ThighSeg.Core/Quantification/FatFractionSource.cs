using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// The images a fat fraction is computed from. Images may lie on another grid than the labels: they are resampled onto
/// the label grid by world coordinates (<see cref="WorldResampler"/>) before the voxel-wise fat fraction is formed.
/// Immutable.
/// </summary>
public sealed class FatFractionSource
{
    private FatFractionSource(FatFractionMethod method, Volume<float> first, Volume<float>? second, bool percent)
    {
        Method = method;
        First = first;
        Second = second;
        MapInPercent = percent;
    }

    /// <summary>The method.</summary>
    public FatFractionMethod Method { get; }

    /// <summary>Water (<see cref="FatFractionMethod.WaterFat"/>), in-phase, or the map.</summary>
    public Volume<float> First { get; }

    /// <summary>Fat or opposed-phase; null for a map.</summary>
    public Volume<float>? Second { get; }

    /// <summary>True when a <see cref="FatFractionMethod.Map"/> holds percent (0..100) rather than fractions.</summary>
    public bool MapInPercent { get; }

    /// <summary>Separated water and fat images (magnitude): FF = F / (W + F), undefined where W + F ≤ 0, clamped to [0, 1].</summary>
    public static FatFractionSource FromWaterFat(Volume<float> water, Volume<float> fat)
    {
        ArgumentNullException.ThrowIfNull(water);
        ArgumentNullException.ThrowIfNull(fat);
        return new FatFractionSource(FatFractionMethod.WaterFat, water, fat, false);
    }

    /// <summary>
    /// Two-point Dixon magnitude images: in-phase IP = W + F and opposed-phase |OP| = |W − F|. Magnitude images lose the
    /// sign of W − F, so a voxel with fat fraction f and one with 1 − f give the same pair: the pair alone cannot tell
    /// water-dominant from fat-dominant tissue. This resolves the ambiguity by assuming water dominance (W ≥ F), true for
    /// muscle up to 50 % fat: FF = (IP − |OP|) / (2·IP), in [0, 0.5]. Muscle that is really more than half fat is reported
    /// as 1 − FF (an underestimate); use a water/fat pair from a phase-sensitive reconstruction or a FF map for such cases.
    /// Undefined where IP ≤ 0.
    /// </summary>
    public static FatFractionSource FromInOpposedPhase(Volume<float> inPhase, Volume<float> opposedPhase)
    {
        ArgumentNullException.ThrowIfNull(inPhase);
        ArgumentNullException.ThrowIfNull(opposedPhase);
        return new FatFractionSource(FatFractionMethod.InOpposedPhase, inPhase, opposedPhase, false);
    }

    /// <summary>A fat-fraction map, as fractions (0..1) or, with <paramref name="percent"/>, percent (0..100); values are clamped to [0, 1] after scaling.</summary>
    public static FatFractionSource FromMap(Volume<float> map, bool percent = false)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new FatFractionSource(FatFractionMethod.Map, map, null, percent);
    }

    /// <summary>The voxel-wise fat fraction (0..1, NaN where undefined or outside the images) on the grid of <paramref name="labels"/>.</summary>
    public Volume<float> OnGrid(Volume<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var a = WorldResampler.OntoGrid(First, labels).Data;
        var b = Second is null ? null : WorldResampler.OntoGrid(Second, labels).Data;
        var ff = new float[a.Length];
        for (int i = 0; i < ff.Length; i++)
        {
            double f = Method switch
            {
                FatFractionMethod.WaterFat => Ratio(b![i], a[i] + b[i]),
                FatFractionMethod.InOpposedPhase => Ratio(a[i] - Math.Abs(b![i]), 2.0 * a[i]),
                _ => MapInPercent ? a[i] / 100.0 : a[i],
            };
            ff[i] = double.IsNaN(f) ? float.NaN : (float)Math.Clamp(f, 0, 1);
        }
        return labels.WithData(ff);
    }

    private static double Ratio(double numerator, double denominator) =>
        denominator > 0 && double.IsFinite(numerator) ? numerator / denominator : double.NaN;
}
