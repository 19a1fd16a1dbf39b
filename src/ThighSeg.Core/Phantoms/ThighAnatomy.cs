namespace ThighSeg.Core.Phantoms;

/// <summary>
/// The phantom's anatomical model of one (right) thigh as a function of the thigh level ℓ (0 at the knee joint line,
/// 1 at the hip): muscle ellipses in a local frame (u lateral, v anterior) in units of the muscle-compartment radius,
/// their presence profiles, the femur and the neurovascular bundle. The left thigh is the mirror image.
/// </summary>
internal static class ThighAnatomy
{
    /// <summary>Keyframe levels of <see cref="Muscles"/>' tables.</summary>
    public static readonly double[] KeyLevels = [0.1, 0.5, 0.9];

    /// <summary>One anatomical structure: label (0 for an unlabelled muscle), keyframes and a presence profile.</summary>
    internal sealed record MuscleModel(int Label, string Name, string Code, Ellipse[] Keys, Func<double, double> Presence, double Intensity);

    /// <summary>Ellipse in local units: centre (U, V), semi-axes (A along the rotated u axis, B), rotation in degrees.</summary>
    internal readonly record struct Ellipse(double U, double V, double A, double B, double AngleDeg);

    private static double Smooth(double e0, double e1, double x)
    {
        double t = Math.Clamp((x - e0) / (e1 - e0), 0, 1);
        return t * t * (3 - (2 * t));
    }

    public static readonly MuscleModel[] Muscles =
    [
        new(1, "vastus_lateralis", "VL", [new(0.62, 0.18, 0.27, 0.44, 15), new(0.64, 0.02, 0.34, 0.64, 10), new(0.68, -0.04, 0.32, 0.60, 5)], _ => 1, 0.40),
        new(2, "vastus_medialis", "VM", [new(-0.48, 0.28, 0.44, 0.42, 0), new(-0.34, 0.46, 0.30, 0.25, -35), new(-0.04, 0.44, 0.17, 0.12, -20)], _ => 1, 0.41),
        new(3, "vastus_intermedius", "VI", [new(0.06, 0.50, 0.46, 0.21, 0), new(0.22, 0.24, 0.46, 0.31, 35), new(0.45, 0.32, 0.31, 0.27, 30)], _ => 1, 0.37),
        new(4, "rectus_femoris", "RF", [new(0.06, 0.80, 0.21, 0.11, 0), new(0.02, 0.70, 0.28, 0.20, 0), new(0.24, 0.68, 0.26, 0.21, 10)], _ => 1, 0.39),
        new(5, "sartorius", "SAR", [new(-0.80, -0.20, 0.23, 0.15, 70), new(-0.60, 0.62, 0.25, 0.11, 40), new(0.00, 0.86, 0.21, 0.10, 0)], _ => 1, 0.43),
        new(6, "gracilis", "GRA", [new(-0.66, -0.56, 0.14, 0.10, 45), new(-0.92, -0.14, 0.21, 0.10, 95), new(-0.90, 0.14, 0.23, 0.10, 100)], _ => 1, 0.42),
        new(7, "adductor_magnus", "AM", [new(-0.45, -0.34, 0.28, 0.22, -30), new(-0.45, -0.30, 0.41, 0.35, -30), new(-0.42, -0.28, 0.47, 0.39, -30)], l => Smooth(0.12, 0.5, l), 0.36),
        new(8, "adductor_longus", "AL", [new(-0.48, 0.26, 0.22, 0.11, -25), new(-0.50, 0.22, 0.29, 0.15, -25), new(-0.45, 0.46, 0.35, 0.18, -35)], l => Smooth(0.36, 0.66, l), 0.44),
        new(9, "adductor_brevis", "AB", [new(-0.30, 0.04, 0.20, 0.12, -30), new(-0.30, 0.04, 0.24, 0.14, -30), new(-0.27, 0.13, 0.31, 0.19, -30)], l => Smooth(0.55, 0.78, l), 0.38),
        new(10, "semimembranosus", "SM", [new(-0.30, -0.54, 0.27, 0.21, 0), new(-0.34, -0.66, 0.22, 0.18, 0), new(-0.18, -0.72, 0.13, 0.10, 0)], _ => 1, 0.37),
        new(11, "semitendinosus", "ST", [new(-0.36, -0.84, 0.17, 0.12, 10), new(-0.04, -0.86, 0.22, 0.17, 0), new(0.06, -0.78, 0.22, 0.18, 0)], _ => 1, 0.42),
        new(12, "biceps_femoris_long_head", "BFL", [new(0.50, -0.55, 0.25, 0.22, -40), new(0.36, -0.66, 0.25, 0.20, -40), new(0.32, -0.66, 0.22, 0.18, -30)], _ => 1, 0.40),
        new(13, "biceps_femoris_short_head", "BFS", [new(0.36, -0.30, 0.23, 0.18, -40), new(0.40, -0.34, 0.17, 0.13, -40), new(0.40, -0.34, 0.10, 0.08, -40)], l => 1 - Smooth(0.32, 0.6, l), 0.35),
        // Lower fibres of gluteus maximus: a muscle seen at the very top of the stack that is deliberately unlabelled.
        new(0, "gluteus_maximus", "GMAX", [new(0.55, -0.74, 0.40, 0.20, -30), new(0.55, -0.74, 0.40, 0.20, -30), new(0.50, -0.76, 0.42, 0.22, -25)], l => Smooth(0.86, 0.97, l), 0.39),
    ];

    /// <summary>Femur centre keyframes (local units) at <see cref="KeyLevels"/>.</summary>
    public static readonly (double U, double V)[] FemurCentre = [(0.0, -0.04), (0.10, 0.0), (0.26, 0.06)];

    /// <summary>Neurovascular structures: (kind, radius mm, keyframe centres).</summary>
    public static readonly (PhantomTissue Kind, double RadiusMm, (double U, double V)[] Keys)[] Bundles =
    [
        (PhantomTissue.Vessel, 3.2, [(0.02, -0.44), (-0.50, 0.40), (-0.22, 0.66)]),   // femoral / popliteal artery
        (PhantomTissue.Vessel, 4.0, [(-0.08, -0.48), (-0.55, 0.33), (-0.30, 0.62)]),  // femoral / popliteal vein
        (PhantomTissue.Nerve, 3.6, [(0.18, -0.52), (0.12, -0.46), (0.14, -0.48)]),    // sciatic nerve
    ];

    /// <summary>Linear interpolation of keyframes at level <paramref name="level"/> (clamped to the outer keys).</summary>
    public static (int Index, double T) Bracket(double level)
    {
        double[] k = KeyLevels;
        if (level <= k[0])
        {
            return (0, 0);
        }
        for (int i = 0; i < k.Length - 1; i++)
        {
            if (level <= k[i + 1])
            {
                return (i, (level - k[i]) / (k[i + 1] - k[i]));
            }
        }
        return (k.Length - 2, 1);
    }
}
