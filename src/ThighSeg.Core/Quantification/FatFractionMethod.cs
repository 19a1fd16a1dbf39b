namespace ThighSeg.Core.Quantification;

/// <summary>Where a fat fraction comes from.</summary>
public enum FatFractionMethod
{
    /// <summary>Separated water and fat images: FF = F / (W + F).</summary>
    WaterFat = 0,

    /// <summary>Two-point Dixon magnitude in-phase (IP = W + F) and opposed-phase (|OP| = |W − F|) images, water-dominant
    /// solution: FF = (IP − |OP|) / (2·IP), so FF is in [0, 0.5] (see <see cref="FatFractionSource.FromInOpposedPhase"/>).</summary>
    InOpposedPhase = 1,

    /// <summary>A fat-fraction map given directly (fraction 0..1 or percent 0..100).</summary>
    Map = 2,
}
