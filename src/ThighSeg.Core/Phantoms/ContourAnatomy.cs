namespace ThighSeg.Core.Phantoms;

/// <summary>
/// Anatomy of the contour phantom family, independent of <see cref="ThighAnatomy"/>: every muscle is a deformed ellipse
/// placed in polar coordinates around the femur (angle and distance from the femur centre, axes radial and tangential to
/// that direction), with its own keyframe levels and its own presence (taper) profile along the thigh.
/// </summary>
/// <remarks>Angles in degrees in the right thigh's local frame: 0 lateral, 90 anterior, 180 medial, 270 posterior.
/// Lengths in units of the muscle-compartment radius. Level ℓ: 0 knee joint line, 1 hip.</remarks>
internal static class ContourAnatomy
{
    /// <summary>One keyframe: level, polar placement around the femur, semi-axes (radial, tangential), 2nd/3rd shape harmonics.</summary>
    internal readonly record struct Key(double Level, double AngleDeg, double Distance, double Radial, double Tangential, double H2, double H3);

    /// <summary>Presence as a trapezoid over the level: 0 below <c>In0</c>, rising to 1 at <c>In1</c>, 1 until <c>Out0</c>, 0 from <c>Out1</c>.</summary>
    internal readonly record struct Taper(double In0, double In1, double Out0, double Out1)
    {
        public static Taper Always => new(-2, -1, 2, 3);

        public double At(double l)
        {
            double up = In1 <= In0 ? (l >= In0 ? 1 : 0) : Math.Clamp((l - In0) / (In1 - In0), 0, 1);
            double down = Out1 <= Out0 ? (l < Out1 ? 1 : 0) : Math.Clamp((Out1 - l) / (Out1 - Out0), 0, 1);
            return Math.Min(up, down);
        }
    }

    internal sealed record Muscle(int Label, string Name, Key[] Keys, Taper Presence, double Intensity);

    /// <summary>The 13 labelled muscles (label values and names as <see cref="ThighPhantomGenerator.LabelMap"/>).</summary>
    public static readonly Muscle[] Muscles =
    [
        new(1, "vastus_lateralis", [new(0.1, 20, 0.55, 0.22, 0.36, 0.05, 0.0), new(0.5, 5, 0.63, 0.30, 0.52, 0.08, 0.03), new(0.9, -5, 0.63, 0.30, 0.56, 0.06, 0.03)], Taper.Always, 0.31),
        new(2, "vastus_medialis", [new(0.1, 138, 0.52, 0.32, 0.44, 0.06, 0.04), new(0.45, 124, 0.58, 0.24, 0.32, 0.05, 0.0), new(0.85, 112, 0.55, 0.12, 0.17, 0.0, 0.0)], Taper.Always, 0.32),
        new(3, "vastus_intermedius", [new(0.1, 85, 0.40, 0.15, 0.40, 0.0, 0.0), new(0.5, 68, 0.41, 0.17, 0.44, 0.04, 0.0), new(0.9, 45, 0.41, 0.16, 0.40, 0.0, 0.0)], Taper.Always, 0.29),
        new(4, "rectus_femoris", [new(0.1, 92, 0.79, 0.11, 0.21, 0.0, 0.0), new(0.5, 92, 0.77, 0.19, 0.29, 0.06, 0.0), new(0.9, 84, 0.72, 0.22, 0.30, 0.04, 0.0)], Taper.Always, 0.30),
        new(5, "sartorius", [new(0.1, 176, 0.83, 0.13, 0.19, 0.0, 0.0), new(0.5, 148, 0.87, 0.10, 0.21, 0.05, 0.0), new(0.9, 108, 0.89, 0.09, 0.24, 0.05, 0.0)], Taper.Always, 0.33),
        new(6, "gracilis", [new(0.1, 202, 0.81, 0.14, 0.16, 0.0, 0.0), new(0.5, 190, 0.87, 0.10, 0.19, 0.0, 0.0), new(0.9, 181, 0.88, 0.09, 0.24, 0.04, 0.0)], Taper.Always, 0.33),
        new(7, "adductor_magnus", [new(0.15, 222, 0.52, 0.18, 0.20, 0.0, 0.0), new(0.5, 214, 0.56, 0.30, 0.40, 0.08, 0.04), new(0.9, 208, 0.56, 0.35, 0.50, 0.08, 0.04)], new(0.08, 0.40, 2, 3), 0.28),
        new(8, "adductor_longus", [new(0.45, 162, 0.56, 0.14, 0.24, 0.0, 0.0), new(0.7, 156, 0.60, 0.18, 0.31, 0.05, 0.0), new(0.95, 148, 0.63, 0.20, 0.34, 0.05, 0.0)], new(0.42, 0.62, 2, 3), 0.34),
        new(9, "adductor_brevis", [new(0.55, 182, 0.44, 0.15, 0.22, 0.0, 0.0), new(0.8, 184, 0.43, 0.18, 0.28, 0.04, 0.0), new(0.95, 186, 0.42, 0.19, 0.30, 0.04, 0.0)], new(0.52, 0.68, 2, 3), 0.30),
        new(10, "semimembranosus", [new(0.1, 234, 0.70, 0.23, 0.26, 0.04, 0.0), new(0.5, 246, 0.75, 0.19, 0.22, 0.0, 0.0), new(0.9, 252, 0.79, 0.11, 0.15, 0.0, 0.0)], new(-2, -1, 0.92, 1.05), 0.29),
        new(11, "semitendinosus", [new(0.1, 264, 0.84, 0.13, 0.17, 0.0, 0.0), new(0.5, 262, 0.86, 0.14, 0.20, 0.04, 0.0), new(0.9, 266, 0.84, 0.17, 0.22, 0.04, 0.0)], Taper.Always, 0.33),
        new(12, "biceps_femoris_long_head", [new(0.1, 305, 0.72, 0.17, 0.22, 0.0, 0.0), new(0.5, 295, 0.80, 0.20, 0.25, 0.05, 0.0), new(0.9, 284, 0.80, 0.20, 0.27, 0.05, 0.0)], Taper.Always, 0.31),
        new(13, "biceps_femoris_short_head", [new(0.05, 320, 0.50, 0.18, 0.25, 0.0, 0.0), new(0.3, 316, 0.50, 0.16, 0.22, 0.0, 0.0), new(0.6, 312, 0.50, 0.10, 0.14, 0.0, 0.0)], new(-2, -1, 0.30, 0.60), 0.28),
    ];

    /// <summary>Femoral vessels (medial, moving posterior to become popliteal towards the knee) and the sciatic nerve:
    /// (tissue, radius mm, keys (level, angle deg, distance)).</summary>
    public static readonly (PhantomTissue Kind, double RadiusMm, (double Level, double AngleDeg, double Distance)[] Keys)[] Bundles =
    [
        (PhantomTissue.Vessel, 3.0, [(0.1, 255, 0.40), (0.5, 175, 0.58), (0.9, 150, 0.70)]),
        (PhantomTissue.Vessel, 3.8, [(0.1, 265, 0.42), (0.5, 185, 0.60), (0.9, 160, 0.72)]),
        (PhantomTissue.Nerve, 3.4, [(0.1, 275, 0.55), (0.5, 272, 0.58), (0.9, 270, 0.60)]),
    ];

    /// <summary>Presence of label <paramref name="label"/> at level <paramref name="level"/> (0..1).</summary>
    public static double Presence(int label, double level) => Muscles.Single(m => m.Label == label).Presence.At(level);

    /// <summary>Keyframe interpolation (linear, clamped to the outer keys).</summary>
    public static Key Interpolate(Key[] keys, double l)
    {
        if (l <= keys[0].Level)
        {
            return keys[0];
        }
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var a = keys[i];
            var b = keys[i + 1];
            if (l <= b.Level)
            {
                double t = (l - a.Level) / (b.Level - a.Level);
                return new Key(l, a.AngleDeg + (t * (b.AngleDeg - a.AngleDeg)), a.Distance + (t * (b.Distance - a.Distance)),
                    a.Radial + (t * (b.Radial - a.Radial)), a.Tangential + (t * (b.Tangential - a.Tangential)), a.H2 + (t * (b.H2 - a.H2)), a.H3 + (t * (b.H3 - a.H3)));
            }
        }
        return keys[^1];
    }
}
