using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Phantoms;

/// <summary>
/// A second synthetic thigh-MRI family, built independently of <see cref="ThighPhantomGenerator"/>'s choices so that
/// defaults chosen on both cannot fit one: another anatomy parameterisation, acquisition and storage convention, the
/// same 13 muscle labels (<see cref="LabelMap"/>, the same <c>labels.json</c> names).
/// </summary>
/// <remarks>
/// <para>Anatomy: each muscle is a deformed ellipse (second and third shape harmonics) placed in polar coordinates
/// around the femur, its axes radial and tangential to that direction, with its own keyframe levels and its own taper
/// (presence) profile along the thigh; the sartorius spirals from anterolateral-proximal to medial-distal, adductor
/// longus and brevis exist proximally only, biceps femoris short head distally only, adductor magnus tapers towards the
/// knee. Where two muscles claim a point the larger inner distance wins and a fat septum of at least about a pixel
/// separates them; muscles are clipped by the fascia lata, the femur and a fat sleeve around the neurovascular bundle.
/// Partial volume comes from 3x3 supersampling of the hard tissue map (the label is the tissue of the pixel centre), so
/// every label boundary lies on an intensity edge.</para>
/// <para>Contrast (T1-weighted-like): fat and marrow bright, muscle dark grey, cortex, fascia and flow voids dark;
/// smooth multiplicative bias from two Gaussian receive-coil profiles (anterior and posterior), Rician noise and a
/// random intensity scale.</para>
/// <para>Acquisition: a <see cref="ContourPhantomOptions.MatrixX"/> x <see cref="ContourPhantomOptions.MatrixY"/> matrix
/// of both thighs at 1.4 to 1.7 mm (enlarged when the thighs would not fit), 5 to 6 mm slices, 24 to 48 slices over a
/// random part of the thigh; a fraction of the subjects is stored in LPS voxel order, the rest in RAS.</para>
/// <para>Determinism: one <see cref="Random"/> per subject from the seed, one per slice for the noise. Thread-safe.</para>
/// </remarks>
public sealed class ContourPhantomGenerator
{
    private const double SkinI = 0.5, FatI = 1.0, ImFatI = 0.94, FasciaI = 0.14, CortexI = 0.04, MarrowI = 0.86, VesselI = 0.09, NerveI = 0.45;
    private const double Inflate = 1.45;
    private static readonly double[] Sub = [-1.0 / 3, 0, 1.0 / 3];

    /// <summary>Creates a generator.</summary>
    /// <exception cref="ArgumentException">Inconsistent options.</exception>
    public ContourPhantomGenerator(ContourPhantomOptions? options = null)
    {
        Options = options ?? ContourPhantomOptions.Default;
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public ContourPhantomOptions Options { get; }

    /// <summary>The label map: the same 13 muscles, values and names as <see cref="ThighPhantomGenerator.LabelMap"/>.</summary>
    public static LabelMap LabelMap => ThighPhantomGenerator.LabelMap;

    /// <summary>Generates subject <paramref name="index"/> of the cohort with seed <paramref name="cohortSeed"/>
    /// (identifiers and seeds as <see cref="ThighPhantomGenerator.SubjectId"/> and <see cref="ThighPhantomGenerator.SubjectSeed"/>).</summary>
    public PhantomSubject GenerateCohortMember(int cohortSeed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Generate(ThighPhantomGenerator.SubjectId(index), ThighPhantomGenerator.SubjectSeed(cohortSeed, index));
    }

    /// <summary>Generates one subject; the result depends only on the options and the seed.</summary>
    public PhantomSubject Generate(string subjectId, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        var s = new Model(new Random(seed), Options);
        var shape = new VolumeShape(Options.MatrixX, Options.MatrixY, s.Slices);
        int n = checked((int)shape.VoxelCount);
        var image = new float[n];
        var labels = new int[n];
        var tissue = new int[n];
        var sides = new int[n];
        Parallel.For(0, s.Slices, k => RenderSlice(s, seed, k, shape, image, labels, tissue, sides));

        double px = s.PixelMm, dz = s.SliceMm;
        double x0 = s.ShiftX - ((shape.X - 1) / 2.0 * px), y0 = s.ShiftY - ((shape.Y - 1) / 2.0 * px), z0 = s.Level(0) * s.ThighLength;
        Affine affine;
        if (s.Lps)
        {
            FlipInPlane(image, shape);
            FlipInPlane(labels, shape);
            FlipInPlane(tissue, shape);
            FlipInPlane(sides, shape);
            affine = Affine.FromRowMajor([-px, 0, 0, x0 + ((shape.X - 1) * px), 0, -px, 0, y0 + ((shape.Y - 1) * px), 0, 0, dz, z0, 0, 0, 0, 1]);
        }
        else
        {
            affine = Affine.FromRowMajor([px, 0, 0, x0, 0, px, 0, y0, 0, 0, dz, z0, 0, 0, 0, 1]);
        }
        var levels = Enumerable.Range(0, s.Slices).Select(s.Level).ToArray();
        return new PhantomSubject(subjectId, seed, new Volume<float>(shape, affine, image), new Volume<int>(shape, affine, labels),
            new Volume<int>(shape, affine, tissue), new Volume<int>(shape, affine, sides), levels,
            new PhantomParameters(s.ThighLength, levels.Min(s.Gap), s.FatThickness(0.5), s.Infiltration, levels[0], levels[^1], s.Lps ? "LPS" : "RAS"));
    }

    /// <summary>The acquisition drawn for <paramref name="seed"/> without rendering (for tests of the documented ranges).</summary>
    internal (int Slices, double SliceMm, double PixelMm, bool Lps, double FirstLevel, double LastLevel) DrawAcquisition(int seed)
    {
        var s = new Model(new Random(seed), Options);
        return (s.Slices, s.SliceMm, s.PixelMm, s.Lps, s.Level(0), s.Level(s.Slices - 1));
    }

    /// <summary>Reverses the x and y voxel axes of every slice (RAS order to LPS order).</summary>
    private static void FlipInPlane<T>(T[] data, VolumeShape shape)
    {
        int ss = shape.SliceSize;
        for (int k = 0; k < shape.Z; k++)
        {
            data.AsSpan(k * ss, ss).Reverse();
        }
    }

    private static double Intensity(PhantomTissue t) => t switch
    {
        PhantomTissue.Skin => SkinI,
        PhantomTissue.SubcutaneousFat => FatI,
        PhantomTissue.IntermuscularFat => ImFatI,
        PhantomTissue.Fascia => FasciaI,
        PhantomTissue.CorticalBone => CortexI,
        PhantomTissue.Marrow => MarrowI,
        PhantomTissue.Vessel => VesselI,
        PhantomTissue.Nerve => NerveI,
        _ => 0,
    };

    private static void RenderSlice(Model s, int seed, int k, VolumeShape shape, float[] image, int[] labels, int[] tissue, int[] sides)
    {
        double level = s.Level(k);
        double zmm = level * s.ThighLength;
        var thighs = new[] { s.ThighAt(0, level), s.ThighAt(1, level) };
        var rng = new Random(ThighPhantomGenerator.SubjectSeed(seed, 2_000_000 + k));
        double px = s.PixelMm;
        int X = shape.X, Y = shape.Y, b0 = k * shape.SliceSize;
        for (int j = 0; j < Y; j++)
        {
            for (int i = 0; i < X; i++)
            {
                double acc = 0;
                var centre = default(Sample);
                for (int sy = 0; sy < 3; sy++)
                {
                    double yw = s.ShiftY + ((j + Sub[sy] - ((Y - 1) / 2.0)) * px);
                    for (int sx = 0; sx < 3; sx++)
                    {
                        double xw = s.ShiftX + ((i + Sub[sx] - ((X - 1) / 2.0)) * px);
                        var smp = Classify(s, thighs, xw, yw, zmm, px);
                        acc += smp.Intensity;
                        if (sx == 1 && sy == 1)
                        {
                            centre = smp;
                        }
                    }
                }
                int idx = b0 + (j * X) + i;
                double v = acc / 9;
                if (s.Options.BiasField)
                {
                    v *= s.Bias(s.ShiftX + ((i - ((X - 1) / 2.0)) * px), s.ShiftY + ((j - ((Y - 1) / 2.0)) * px), zmm);
                }
                if (s.Options.Noise)
                {
                    double n1 = Gaussian(rng) * s.NoiseSigma, n2 = Gaussian(rng) * s.NoiseSigma;
                    v = Math.Sqrt(((v + n1) * (v + n1)) + (n2 * n2));
                }
                image[idx] = (float)(v * s.IntensityScale);
                labels[idx] = centre.Label;
                tissue[idx] = (int)centre.Tissue;
                sides[idx] = centre.Tissue == PhantomTissue.Air ? 0 : centre.Side;
            }
        }
    }

    private readonly record struct Sample(PhantomTissue Tissue, int Label, int Side, double Intensity);

    private static Sample Classify(Model s, Thigh[] thighs, double xw, double yw, double zmm, double px)
    {
        Span<double> margin = stackalloc double[2];
        Span<double> lu = stackalloc double[2];
        Span<double> lv = stackalloc double[2];
        for (int t = 0; t < 2; t++)
        {
            var th = thighs[t];
            double ex = th.Sign * (xw - th.Cx), ey = yw - th.Cy;
            double u = (ex * th.Cos) + (ey * th.Sin), v = (-ex * th.Sin) + (ey * th.Cos);
            lu[t] = u;
            lv[t] = v;
            var (rc, fat, r) = th.Outline(u, v);
            margin[t] = rc + fat + th.Skin - r;
        }
        int tt = margin[0] >= margin[1] ? 0 : 1;
        double mSkin = Math.Min(margin[tt], (margin[tt] - margin[1 - tt]) / 2);
        if (mSkin <= 0)
        {
            return new Sample(PhantomTissue.Air, 0, 0, 0);
        }
        var g = thighs[tt];
        int side = tt + 1;
        if (mSkin < g.Skin)
        {
            return new Sample(PhantomTissue.Skin, 0, side, SkinI);
        }
        double uu = lu[tt], vv = lv[tt];
        var (rcomp, _, rr) = g.Outline(uu, vv);
        double dc = Math.Min(rcomp - rr, mSkin - g.Skin - 1.5);
        if (dc < 0)
        {
            return new Sample(PhantomTissue.SubcutaneousFat, 0, side, FatI);
        }
        if (dc < g.FasciaWidth)
        {
            return new Sample(PhantomTissue.Fascia, 0, side, FasciaI);
        }
        double inner = dc - g.FasciaWidth;
        double rb = Math.Sqrt((uu * uu) + (vv * vv));
        if (rb < g.FemR)
        {
            var cls = rb > g.FemR - g.Cortex ? PhantomTissue.CorticalBone : PhantomTissue.Marrow;
            return new Sample(cls, 0, side, Intensity(cls));
        }
        double dVessel = double.PositiveInfinity;
        foreach (var b in g.Bundles)
        {
            double d = Math.Sqrt(((uu - b.U) * (uu - b.U)) + ((vv - b.V) * (vv - b.V))) - b.R;
            if (d < 0)
            {
                return new Sample(b.Kind, 0, side, Intensity(b.Kind));
            }
            dVessel = Math.Min(dVessel, d);
        }
        // The muscle with the smallest normalised radius wins (scale-free, so small muscles keep their shape next to
        // large ones); a septum separates it from the runner-up where the two normalised radii are close.
        double q1 = double.PositiveInfinity, q2 = double.PositiveInfinity, ray1 = 1, ray2 = 1;
        int m1 = -1;
        for (int m = 0; m < g.Muscles.Length; m++)
        {
            var (q, ray) = g.Muscles[m].Evaluate(uu, vv);
            if (q < q1)
            {
                (q2, ray2) = (q1, ray1);
                (q1, ray1, m1) = (q, ray, m);
            }
            else if (q < q2)
            {
                (q2, ray2) = (q, ray);
            }
        }
        double d1 = m1 < 0 ? double.NegativeInfinity : ray1 * (1 - q1);
        double dSep = double.IsPositiveInfinity(q2) ? double.PositiveInfinity : (q2 - q1) / ((1 / ray1) + (1 / ray2));
        double dm = Math.Min(Math.Min(d1, inner), Math.Min(rb - g.FemR, dVessel - g.SepHalf));
        if (m1 < 0 || dm <= 0 || dSep < g.SepHalf)
        {
            return new Sample(PhantomTissue.IntermuscularFat, 0, side, ImFatI);
        }
        var mu = g.Muscles[m1];
        double n1 = s.Texture.Sample(xw / 7.0, yw / 7.0, zmm / 25.0);
        double n2 = s.Texture.Sample((xw / 2.5) + 7.1, (yw / 2.5) + 3.3, (zmm / 10.0) + 1.7);
        double mi = mu.Intensity * (1 + (0.10 * (n2 - 0.5)));
        double infil = s.Infiltration * Math.Clamp((n1 - 0.45) / 0.3, 0, 1);
        return new Sample(PhantomTissue.Muscle, mu.Label, side, mi + (infil * (ImFatI - mi)));
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double U(Random rng, double lo, double hi) => lo + (rng.NextDouble() * (hi - lo));

    /// <summary>One muscle in one slice (local mm around the femur centre).</summary>
    private sealed record MuscleSlice(int Label, double U, double V, double Ru, double Rv, double InvA, double InvB, double H2, double H3, double Bound2, double Intensity)
    {
        /// <summary>Normalised radius <c>Q</c> of (u, v) (below 1 inside the deformed ellipse, +inf far outside) and the
        /// contour's distance <c>Ray</c> from the centre in that direction, mm.</summary>
        public (double Q, double Ray) Evaluate(double u, double v)
        {
            double du = u - U, dv = v - V;
            double s2 = (du * du) + (dv * dv);
            if (s2 > Bound2)
            {
                return (double.PositiveInfinity, 1);
            }
            double x = ((du * Ru) + (dv * Rv)) * InvA, y = ((-du * Rv) + (dv * Ru)) * InvB;
            double q = Math.Sqrt((x * x) + (y * y));
            if (q < 1e-9)
            {
                return (0, 1 / Math.Max(InvA, InvB));
            }
            double c = x / q, sn = y / q;
            double c2 = (c * c) - (sn * sn), c3 = (4 * c * c * c) - (3 * c);
            q /= 1 + (H2 * c2) + (H3 * c3);
            return (q, Math.Sqrt(s2) / q);
        }
    }

    private readonly record struct Bundle(PhantomTissue Kind, double U, double V, double R);

    /// <summary>One thigh in one slice: femur-centre placement (world mm), outline, femur, muscles, bundles (local mm).</summary>
    private sealed record Thigh(double Sign, double Cx, double Cy, double Cos, double Sin, double CompU, double CompV, double R,
        double E2c, double E2s, double E3c, double E3s, double Fat, double F1c, double F1s, double F2c, double F2s, double Skin, double FasciaWidth,
        double SepHalf, double FemR, double Cortex, MuscleSlice[] Muscles, Bundle[] Bundles)
    {
        /// <summary>Compartment radius, fat thickness and distance from the compartment centre in the direction of (u, v).</summary>
        public (double Rc, double Fat, double R) Outline(double u, double v)
        {
            double cu = u - CompU, cv = v - CompV;
            double r = Math.Sqrt((cu * cu) + (cv * cv));
            double c = r > 1e-9 ? cu / r : 1, s = r > 1e-9 ? cv / r : 0;
            double c2 = (c * c) - (s * s), s2 = 2 * c * s;
            double c3 = (4 * c * c * c) - (3 * c), s3 = (3 * s) - (4 * s * s * s);
            double rc = R * (1 + (E2c * c2) + (E2s * s2) + (E3c * c3) + (E3s * s3));
            double fat = Fat * Math.Max(0.3, 1 + (F1c * c) + (F1s * s) + (F2c * c2) + (F2s * s2));
            return (rc, fat, r);
        }
    }

    /// <summary>All random parameters of one subject and acquisition, drawn in a fixed order.</summary>
    private sealed class Model
    {
        private readonly double[] _size, _angle, _dist, _intensity, _h2;
        private readonly double[][] _sideSize;
        private readonly double[] _sideScale, _sideRot, _sideDy;
        private readonly double _r0, _fat0, _e2, _p2, _e3, _p3, _f1, _fd1, _f2, _fd2, _femR, _cortexFrac, _gap0, _gapSlope;
        private readonly double[] _coil;

        public Model(Random rng, ContourPhantomOptions options)
        {
            Options = options;
            int mc = ContourAnatomy.Muscles.Length;
            ThighLength = U(rng, 380, 480);
            _r0 = U(rng, 38, 48);
            _fat0 = U(rng, 4, 12);
            _e2 = U(rng, 0, 0.08); _p2 = U(rng, 0, 2 * Math.PI);
            _e3 = U(rng, 0, 0.04); _p3 = U(rng, 0, 2 * Math.PI);
            _f1 = U(rng, 0.1, 0.35); _fd1 = U(rng, 0, 2 * Math.PI);
            _f2 = U(rng, 0, 0.2); _fd2 = U(rng, 0, 2 * Math.PI);
            Skin = U(rng, 1.2, 2.0);
            _femR = U(rng, 9.5, 12);
            _cortexFrac = U(rng, 0.28, 0.38);
            Infiltration = U(rng, 0, 0.25);
            _gap0 = U(rng, -4, 40);
            _gapSlope = U(rng, -15, 15);
            _size = new double[mc]; _angle = new double[mc]; _dist = new double[mc]; _intensity = new double[mc]; _h2 = new double[mc];
            for (int m = 0; m < mc; m++)
            {
                _size[m] = U(rng, 0.88, 1.12);
                _angle[m] = U(rng, -7, 7);
                _dist[m] = U(rng, -0.03, 0.03);
                _intensity[m] = ContourAnatomy.Muscles[m].Intensity + U(rng, -0.02, 0.02);
                _h2[m] = U(rng, -0.04, 0.04);
            }
            _sideScale = new double[2]; _sideRot = new double[2]; _sideDy = new double[2]; _sideSize = new double[2][];
            for (int t = 0; t < 2; t++)
            {
                _sideScale[t] = U(rng, 0.95, 1.05);
                _sideRot[t] = U(rng, -8, 8) * Math.PI / 180;
                _sideDy[t] = U(rng, -6, 6);
                _sideSize[t] = [.. Enumerable.Range(0, mc).Select(_ => U(rng, 0.95, 1.05))];
            }
            Texture = new ValueNoise3(rng);

            // Acquisition.
            Slices = rng.Next(options.MinSlices, options.MaxSlices + 1);
            SliceMm = Math.Min(U(rng, 5, 6), 0.96 * ThighLength / Slices);
            double coverage = Slices * SliceMm / ThighLength;
            Start = Math.Max(0.02, U(rng, 0.02, Math.Max(0.02, 0.98 - coverage)));
            double needX = 0, needY = 0;
            for (int k = 0; k < Slices; k++)
            {
                double l = Level(k);
                double o0 = Outer(0, l), o1 = Outer(1, l);
                needX = Math.Max(needX, (2 * (o0 + o1)) + Math.Max(Gap(l), 0) + 8);
                needY = Math.Max(needY, (2 * Math.Max(o0, o1)) + 8);
            }
            PixelMm = Math.Max(U(rng, 1.4, 1.7), Math.Max(needX / options.MatrixX, needY / options.MatrixY));
            ShiftX = U(rng, -0.5, 0.5) * Math.Max(0, (options.MatrixX * PixelMm) - needX) / 2;
            ShiftY = U(rng, -0.5, 0.5) * Math.Max(0, (options.MatrixY * PixelMm) - needY) / 2;
            _coil = [U(rng, 0.1, 0.35), U(rng, -60, 60), U(rng, 90, 170), U(rng, 0.1, 0.35), U(rng, -60, 60), U(rng, 90, 170), U(rng, 0, 1), U(rng, 150, 300)];
            NoiseSigma = U(rng, 0.015, 0.04);
            IntensityScale = U(rng, 400, 3000);
            Lps = rng.NextDouble() < options.FlippedFraction;
        }

        public ContourPhantomOptions Options { get; }
        public double ThighLength { get; }
        public double Skin { get; }
        public double Infiltration { get; }
        public ValueNoise3 Texture { get; }
        public int Slices { get; }
        public double SliceMm { get; }
        public double Start { get; }
        public double PixelMm { get; }
        public double ShiftX { get; }
        public double ShiftY { get; }
        public double NoiseSigma { get; }
        public double IntensityScale { get; }
        public bool Lps { get; }

        public double Level(int k) => Start + ((k + 0.5) * SliceMm / ThighLength);

        public double Radius(int side, double l) => _r0 * _sideScale[side] * (0.85 + (0.3 * l));

        public double FatThickness(double l) => _fat0 * (0.7 + (0.6 * l));

        public double Gap(double l) => _gap0 + (_gapSlope * (l - 0.5));

        /// <summary>Upper bound of the skin radius around the femur centre.</summary>
        private double Outer(int side, double l)
        {
            double r = Radius(side, l), fat = FatThickness(l), best = 0;
            for (int a = 0; a < 72; a++)
            {
                double phi = a * Math.PI / 36;
                double rc = r * (1 + (_e2 * Math.Cos((2 * phi) - _p2)) + (_e3 * Math.Cos((3 * phi) - _p3)));
                double f = fat * Math.Max(0.3, 1 + (_f1 * Math.Cos(phi - _fd1)) + (_f2 * Math.Cos((2 * phi) - _fd2)));
                best = Math.Max(best, rc + f);
            }
            return best + Skin + (0.1 * r);
        }

        /// <summary>Receive-coil bias: two Gaussian sensitivity profiles, anterior and posterior, falling off along z.</summary>
        public double Bias(double x, double y, double zmm)
        {
            double ya = y - 90, yp = y + 90;
            double za = (zmm - (ThighLength * (Start + (_coil[6] * Slices * SliceMm / ThighLength)))) / _coil[7];
            double fz = Math.Exp(-0.5 * za * za);
            double a = _coil[0] * Math.Exp(-(((x - _coil[1]) * (x - _coil[1])) + (ya * ya)) / (2 * _coil[2] * _coil[2]));
            double p = _coil[3] * Math.Exp(-(((x - _coil[4]) * (x - _coil[4])) + (yp * yp)) / (2 * _coil[5] * _coil[5]));
            return Math.Exp(((a + p) * (0.5 + (0.5 * fz))) - 0.15);
        }

        public Thigh ThighAt(int side, double l)
        {
            double sign = side == 0 ? 1 : -1; // side 0: patient right (+x); the left thigh is the mirror image
            double R = Radius(side, l);
            double gap = Gap(l);
            // The femur sits anterolateral of the compartment centre.
            double compU = -0.06 * R, compV = -0.07 * R;
            double outer = Outer(side, l);
            double cx = sign * ((gap / 2) + outer + (0.06 * R));
            double cy = _sideDy[side] + (0.07 * R);
            double px = PixelMm;
            double sepHalf = Math.Max(0.55 * px, 0.7);
            var muscles = new List<MuscleSlice>(ContourAnatomy.Muscles.Length);
            for (int m = 0; m < ContourAnatomy.Muscles.Length; m++)
            {
                var mm = ContourAnatomy.Muscles[m];
                double presence = mm.Presence.At(l);
                if (presence <= 0.02)
                {
                    continue;
                }
                var key = ContourAnatomy.Interpolate(mm.Keys, l);
                double size = Math.Pow(presence, 0.6) * _size[m] * _sideSize[side][m] * R * Inflate;
                double a = key.Radial * size, b = key.Tangential * size;
                if (Math.Min(a, b) < 1.0)
                {
                    continue;
                }
                double th = (key.AngleDeg + _angle[m]) * Math.PI / 180;
                double dist = (key.Distance + _dist[m]) * R;
                double h2 = key.H2 + _h2[m];
                double bound = (Math.Max(a, b) * (1 + Math.Abs(h2) + key.H3) * 1.05) + 2;
                muscles.Add(new MuscleSlice(mm.Label, dist * Math.Cos(th), dist * Math.Sin(th), Math.Cos(th), Math.Sin(th), 1 / a, 1 / b, h2, key.H3, bound * bound, _intensity[m]));
            }
            var bundles = ContourAnatomy.Bundles.Select(bd =>
            {
                var keys = bd.Keys.Select(k => new ContourAnatomy.Key(k.Level, k.AngleDeg, k.Distance, 0, 0, 0, 0)).ToArray();
                var key = ContourAnatomy.Interpolate(keys, l);
                double th = key.AngleDeg * Math.PI / 180;
                return new Bundle(bd.Kind, key.Distance * R * Math.Cos(th), key.Distance * R * Math.Sin(th), bd.RadiusMm);
            }).ToArray();
            double femR = _femR * (1 + (0.6 * Math.Exp(-l / 0.08)));
            double cortex = Math.Max(1.2 * px, femR * _cortexFrac * (0.45 + (0.55 * Math.Clamp((l - 0.05) / 0.25, 0, 1))));
            return new Thigh(sign, cx, cy, Math.Cos(_sideRot[side]), Math.Sin(_sideRot[side]), compU, compV, R,
                _e2 * Math.Cos(_p2), _e2 * Math.Sin(_p2), _e3 * Math.Cos(_p3), _e3 * Math.Sin(_p3),
                FatThickness(l), _f1 * Math.Cos(_fd1), _f1 * Math.Sin(_fd1), _f2 * Math.Cos(_fd2), _f2 * Math.Sin(_fd2), Skin,
                Math.Max(1.0, 0.8 * px), sepHalf, femR, cortex, [.. muscles], bundles);
        }
    }
}
