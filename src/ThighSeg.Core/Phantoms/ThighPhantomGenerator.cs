using ThighSeg.Core.Data;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Phantoms;

/// <summary>
/// Generates synthetic T1-weighted-like thigh MRI stacks (hip to knee, both thighs) with 13 labelled muscles per side,
/// deterministically from a seed.
/// </summary>
/// <remarks>
/// <para>Anatomy: skin, subcutaneous fat (bright), fascia lata (dark line), the muscle compartment with 13 muscles laid out
/// around the femur (dark cortex, bright marrow), intermuscular fat, femoral vessels and the sciatic nerve, plus the
/// (unlabelled) lower gluteus maximus near the hip. Each muscle is an ellipse whose centre, axes and orientation follow
/// anatomical keyframes along the thigh level ℓ (0 knee, 1 hip); adductor longus and brevis exist proximally only,
/// biceps femoris short head distally only, adductor magnus tapers towards the knee, vastus medialis grows towards it.
/// Where ellipses overlap, the overlap is split halfway and a 1 to 2 pixel septum (fat, or dark fascia between the
/// quadriceps heads) separates them, so every label boundary lies on an intensity edge; labels are thresholds of the
/// same signed distances that shape the partial-volume intensities, so nothing exists only in the label volume.</para>
/// <para>Variation: body and muscle size, fat thickness and distribution, muscle proportions, left/right asymmetry,
/// thigh separation (touching thighs included) and positioning, fatty infiltration; acquisition: 20 to 80 slices over a
/// random part of the thigh, field of view and in-plane spacing, voxel axis directions, smooth bias field, Rician noise
/// and intensity scale.</para>
/// <para>Determinism: one <see cref="Random"/> per subject seeded from <c>seed</c>, one per slice for the noise, so the
/// result does not depend on thread scheduling. Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class ThighPhantomGenerator
{
    private const double Inflate = 1.4;
    private const double MuscleScale = 0.85;
    // The muscle compartment bulges posteromedially (adductors and hamstrings): first harmonic towards -135 degrees.
    private static readonly double BulgeC = 0.05 * Math.Cos(-0.75 * Math.PI), BulgeS = 0.05 * Math.Sin(-0.75 * Math.PI);
    private const double SkinI = 0.55, FatI = 1.0, ImFatI = 0.93, FasciaI = 0.08, CortexI = 0.04, MarrowI = 0.80, VesselI = 0.07, NerveI = 0.52;
    // Dixon: (T1w intensity, water signal, fat signal) per tissue; water + fat is the proton density, fat / (water + fat) the fat fraction.
    private const double MusclePd = 0.75;
    private static readonly Signal SkinS = new(SkinI, 0.51, 0.09), FatS = new(FatI, 0.08, 0.92), ImFatS = new(ImFatI, 0.095, 0.855),
        FasciaS = new(FasciaI, 0.135, 0.015), CortexS = new(CortexI, 0.027, 0.003), MarrowS = new(MarrowI, 0.135, 0.765),
        VesselS = new(VesselI, 0.05, 0.0), NerveS = new(NerveI, 0.45, 0.15);

    /// <summary>Rician noise of the water and fat images, relative to the fat signal of pure fat (1.0).</summary>
    private const double DixonNoiseSigma = 0.005;

    /// <summary>Creates a generator.</summary>
    /// <exception cref="ArgumentException">Inconsistent options.</exception>
    public ThighPhantomGenerator(PhantomOptions? options = null)
    {
        Options = options ?? PhantomOptions.Default;
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public PhantomOptions Options { get; }

    /// <summary>The phantom's label map: 0 background and one value per muscle (see <see cref="ThighMuscle"/>).</summary>
    public static LabelMap LabelMap { get; } = LabelMap.FromNames(
        ThighAnatomy.Muscles.Where(m => m.Label > 0).Select(m => KeyValuePair.Create(m.Label, m.Name)));

    /// <summary>The seed of subject <paramref name="index"/> of a cohort generated with <paramref name="cohortSeed"/>.</summary>
    public static int SubjectSeed(int cohortSeed, int index) => Randomness.Seeds.Derive(cohortSeed, Randomness.Seeds.Cohort, (uint)index);

    /// <summary>The conventional identifier of cohort subject <paramref name="index"/> (0-based): <c>sub-001</c>, ...</summary>
    public static string SubjectId(int index) => $"sub-{index + 1:D3}";

    /// <summary>Generates subject <paramref name="index"/> of the cohort with seed <paramref name="cohortSeed"/>.</summary>
    public PhantomSubject GenerateCohortMember(int cohortSeed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Generate(SubjectId(index), SubjectSeed(cohortSeed, index));
    }

    /// <summary>Generates one subject. Slices are rendered in parallel; the result depends only on the options and the seed.</summary>
    public PhantomSubject Generate(string subjectId, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        var s = new SubjectModel(new Random(seed), Options, seed);
        var shape = new VolumeShape(Options.MatrixSize, s.MatrixY, s.Slices);
        int n = checked((int)shape.VoxelCount);
        var image = new float[n];
        var labels = new int[n];
        var tissue = new int[n];
        var sides = new int[n];
        var dixon = Options.Dixon ? new DixonBuffers(new float[n], new float[n], new float[n]) : null;
        Parallel.For(0, s.Slices, k => RenderSlice(s, seed, k, shape, image, labels, tissue, sides, dixon));
        var truth = dixon is null ? null : FatTruth(labels, sides, dixon.Truth, MuscleVolumes.VoxelVolumeMl(Affine.FromSpacing(s.PixelMm, s.PixelMm, s.SliceMm)));

        // Stored axis directions: RAS+ internally; optionally flip x (LAS, as dcm2niix writes) and/or z (superior first).
        double dx = s.PixelMm, dz = s.SliceMm;
        double x0 = -((shape.X - 1) / 2.0 * dx), y0 = -((shape.Y - 1) / 2.0 * dx), z0 = s.Level(0) * s.ThighLength;
        var levels = Enumerable.Range(0, s.Slices).Select(s.Level).ToArray();
        if (s.FlipX)
        {
            FlipAxis(image, shape, 0); FlipAxis(labels, shape, 0); FlipAxis(tissue, shape, 0); FlipAxis(sides, shape, 0);
            dixon?.ForEach(a => FlipAxis(a, shape, 0));
        }
        if (s.FlipZ)
        {
            FlipAxis(image, shape, 2); FlipAxis(labels, shape, 2); FlipAxis(tissue, shape, 2); FlipAxis(sides, shape, 2);
            dixon?.ForEach(a => FlipAxis(a, shape, 2));
            Array.Reverse(levels);
        }
        double ax = s.FlipX ? -dx : dx, ox = s.FlipX ? -x0 : x0;
        double az = s.FlipZ ? -dz : dz, oz = s.FlipZ ? z0 + ((shape.Z - 1) * dz) : z0;
        var affine = Affine.FromRowMajor([ax, 0, 0, ox, 0, dx, 0, y0, 0, 0, az, oz, 0, 0, 0, 1]);
        return new PhantomSubject(subjectId, seed, new Volume<float>(shape, affine, image), new Volume<int>(shape, affine, labels),
            new Volume<int>(shape, affine, tissue), new Volume<int>(shape, affine, sides), levels,
            new PhantomParameters(s.ThighLength, Enumerable.Range(0, s.Slices).Min(k => s.Gap(s.Level(k))), s.FatThickness(0.5), s.Infiltration,
                s.Level(0), s.Level(s.Slices - 1), (s.FlipX ? "L" : "R") + "A" + (s.FlipZ ? "I" : "S")))
        {
            Dixon = dixon is null ? null : new PhantomDixon(new Volume<float>(shape, affine, dixon.Water), new Volume<float>(shape, affine, dixon.Fat),
                new Volume<float>(shape, affine, dixon.Truth), truth!),
        };
    }

    /// <summary>The truth table: per labelled muscle and side, voxels, volume and the mean of the voxel fat fractions.</summary>
    private static IReadOnlyList<PhantomFatTruth> FatTruth(int[] labels, int[] sides, float[] ff, double voxelMl)
    {
        var sums = new Dictionary<(int Label, int Side), (long Count, double Sum)>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 0)
            {
                var key = (labels[i], sides[i]);
                var (c, sum) = sums.GetValueOrDefault(key);
                sums[key] = (c + 1, sum + ff[i]);
            }
        }
        return [.. sums.OrderBy(kv => kv.Key.Label).ThenBy(kv => kv.Key.Side).Select(kv => new PhantomFatTruth(kv.Key.Label, LabelMap.Name(kv.Key.Label),
            (AnatomicalSide)kv.Key.Side, kv.Value.Count, kv.Value.Count * voxelMl, kv.Value.Sum / kv.Value.Count))];
    }

    /// <summary>Water, fat and true fat-fraction voxels of a Dixon phantom while it is rendered.</summary>
    private sealed record DixonBuffers(float[] Water, float[] Fat, float[] Truth)
    {
        public void ForEach(Action<float[]> action)
        {
            action(Water);
            action(Fat);
            action(Truth);
        }
    }

    /// <summary>The signals of one voxel being mixed: T1w intensity, water and fat (linear partial-volume mixing of all three).</summary>
    private readonly record struct Signal(double T1, double Water, double Fat)
    {
        public static Signal Lerp(in Signal a, in Signal b, double t) =>
            new(a.T1 + (t * (b.T1 - a.T1)), a.Water + (t * (b.Water - a.Water)), a.Fat + (t * (b.Fat - a.Fat)));
    }

    private static void FlipAxis<T>(T[] data, VolumeShape shape, int axis)
    {
        if (axis == 0)
        {
            for (int row = 0; row < shape.Y * shape.Z; row++)
            {
                data.AsSpan(row * shape.X, shape.X).Reverse();
            }
        }
        else
        {
            int ss = shape.SliceSize;
            var tmp = new T[ss];
            for (int k = 0; k < shape.Z / 2; k++)
            {
                var a = data.AsSpan(k * ss, ss);
                var b = data.AsSpan((shape.Z - 1 - k) * ss, ss);
                a.CopyTo(tmp);
                b.CopyTo(a);
                tmp.CopyTo(b);
            }
        }
    }

    /// <summary>Partial-volume fraction of a structure whose edge is at signed distance <paramref name="d"/> (positive inside):
    /// a linear ramp 0.75 pixel wide centred on the edge, so labels (thresholds at d = 0) sit where the ramp is 0.5.</summary>
    private static double Ramp(double d, double px) => Math.Clamp((d / (0.75 * px)) + 0.5, 0, 1);

    private static double Lerp(double a, double b, double t) => a + (t * (b - a));

    private static void RenderSlice(SubjectModel s, int seed, int k, VolumeShape shape, float[] image, int[] labels, int[] tissue, int[] sides, DixonBuffers? dixon)
    {
        double level = s.Level(k);
        double zmm = level * s.ThighLength;
        var thighs = new[] { s.ThighAt(0, level), s.ThighAt(1, level) };
        var rng = new Random(SubjectSeed(seed, 1_000_000 + k));
        double px = s.PixelMm;
        double sepHalf = Math.Max(0.85 * px, 0.8);
        int X = shape.X, Y = shape.Y;
        int baseIndex = k * shape.SliceSize;
        var localU = new double[2];
        var localV = new double[2];
        var margin = new double[2];
        var rf = new double[2];
        double zn = (2 * (k + 0.5) / shape.Z) - 1;

        for (int j = 0; j < Y; j++)
        {
            double yw = (j - ((Y - 1) / 2.0)) * px;
            for (int i = 0; i < X; i++)
            {
                double xw = (i - ((X - 1) / 2.0)) * px;
                for (int t = 0; t < 2; t++)
                {
                    var th = thighs[t];
                    double ex = th.Sign * (xw - th.Cx), ey = yw - th.Cy;
                    double u = (ex * th.Cos) + (ey * th.Sin);
                    double v = (-ex * th.Sin) + (ey * th.Cos);
                    double r = Math.Sqrt((u * u) + (v * v));
                    double c = r > 1e-9 ? u / r : 1, sn = r > 1e-9 ? v / r : 0;
                    double c2 = (c * c) - (sn * sn), s2 = 2 * c * sn;
                    double c3 = (4 * c * c * c) - (3 * c), s3 = (3 * sn) - (4 * sn * sn * sn);
                    double R = th.R * (1 + (BulgeC * c) + (BulgeS * sn) + (th.H2c * c2) + (th.H2s * s2) + (th.H3c * c3) + (th.H3s * s3));
                    double fat = th.Fat * Math.Max(0.25, 1 + (th.F1c * c) + (th.F1s * sn) + (th.F2c * c2) + (th.F2s * s2));
                    localU[t] = u;
                    localV[t] = v;
                    rf[t] = R - r;
                    margin[t] = R + fat + th.Skin - r;
                }
                int tt = margin[0] >= margin[1] ? 0 : 1;
                int idx = baseIndex + (j * X) + i;
                double mt = margin[tt], mo = margin[1 - tt];
                double mSkin = Math.Min(mt, (mt - mo) / 2);
                var intensity = default(Signal);
                int label = 0;
                var cls = PhantomTissue.Air;
                if (mSkin > -px)
                {
                    var th = thighs[tt];
                    intensity = Signal.Lerp(default, SkinS, Ramp(mSkin, px));
                    intensity = Signal.Lerp(intensity, FatS, Ramp(mSkin - th.Skin, px));
                    double df = Math.Min(rf[tt], mSkin - th.Skin - 2.0);
                    intensity = Signal.Lerp(intensity, FasciaS, Ramp(df + th.FasciaWidth, px));
                    cls = mSkin <= 0 ? PhantomTissue.Air : mSkin < th.Skin ? PhantomTissue.Skin
                        : df < -th.FasciaWidth ? PhantomTissue.SubcutaneousFat : df < 0 ? PhantomTissue.Fascia : PhantomTissue.IntermuscularFat;
                    if (df > -px)
                    {
                        // The compartment's content, blended in at the compartment edge (fascia lata) with one ramp.
                        var inner = ImFatS;
                        RenderCompartment(s, th, localU[tt], localV[tt], xw, yw, zmm, df, px, sepHalf, ref inner, ref label, ref cls);
                        intensity = Signal.Lerp(intensity, inner, Ramp(df, px));
                    }
                }
                image[idx] = (float)intensity.T1;
                if (dixon is not null)
                {
                    dixon.Water[idx] = (float)intensity.Water;
                    dixon.Fat[idx] = (float)intensity.Fat;
                    double pd = intensity.Water + intensity.Fat;
                    dixon.Truth[idx] = pd > 0 ? (float)(intensity.Fat / pd) : 0f;
                }
                labels[idx] = label;
                tissue[idx] = (int)cls;
                sides[idx] = cls == PhantomTissue.Air ? 0 : tt + 1;
            }
        }

        // Bias field, Rician noise and intensity scale (the Dixon images: the same bias and scale, their own noise stream).
        var dixonRng = new Random(SubjectSeed(seed, 2_000_000 + k));
        for (int j = 0; j < Y; j++)
        {
            double yn = (2 * (j + 0.5) / Y) - 1;
            for (int i = 0; i < X; i++)
            {
                int idx = baseIndex + (j * X) + i;
                double v = image[idx];
                double bias = 1;
                if (s.Options.BiasField)
                {
                    double xn = (2 * (i + 0.5) / X) - 1;
                    var b = s.Bias;
                    bias = Math.Exp((b[0] * xn) + (b[1] * yn) + (b[2] * xn * xn) + (b[3] * yn * yn) + (b[4] * xn * yn) + (b[5] * zn) + (b[6] * zn * zn));
                    v *= bias;
                }
                if (dixon is not null)
                {
                    dixon.Water[idx] = (float)(Dixon(dixon.Water[idx] * bias, s.Options.Noise, dixonRng) * s.IntensityScale);
                    dixon.Fat[idx] = (float)(Dixon(dixon.Fat[idx] * bias, s.Options.Noise, dixonRng) * s.IntensityScale);
                }
                if (s.Options.Noise)
                {
                    double n1 = Gaussian(rng) * s.NoiseSigma, n2 = Gaussian(rng) * s.NoiseSigma;
                    v = Math.Sqrt(((v + n1) * (v + n1)) + (n2 * n2));
                }
                image[idx] = (float)(v * s.IntensityScale);
            }
        }
    }

    private static double Dixon(double signal, bool noise, Random rng)
    {
        if (!noise)
        {
            return signal;
        }
        double n1 = Gaussian(rng) * DixonNoiseSigma, n2 = Gaussian(rng) * DixonNoiseSigma;
        return Math.Sqrt(((signal + n1) * (signal + n1)) + (n2 * n2));
    }

    private static void RenderCompartment(SubjectModel s, ThighSlice th, double u, double v, double xw, double yw, double zmm,
        double df, double px, double sepHalf, ref Signal intensity, ref int label, ref PhantomTissue cls)
    {
        // Femur: polar outline with a posterior ridge (linea aspera) and a thicker cortex there.
        double bu = u - th.FemU, bv = v - th.FemV;
        double rb = Math.Sqrt((bu * bu) + (bv * bv));
        double cb = rb > 1e-9 ? -bv / rb : 0; // cos of the angle to the posterior direction
        double ridge = Math.Exp(-(1 - cb) / 0.05);
        double Rb = th.FemR * (1 + (0.14 * ridge));
        double dBone = rb - Rb;
        double cortex = th.CortexT * (1 + (0.8 * ridge));

        // Neurovascular bundle.
        double dVessel = double.PositiveInfinity;
        int vesselIndex = -1;
        for (int n = 0; n < th.Bundles.Length; n++)
        {
            var b = th.Bundles[n];
            double d = Math.Sqrt(((u - b.U) * (u - b.U)) + ((v - b.V) * (v - b.V))) - b.R;
            if (d < dVessel)
            {
                dVessel = d;
                vesselIndex = n;
            }
        }

        // Muscles: the two smallest signed distances to the ellipse outlines.
        double e1 = double.PositiveInfinity, e2 = double.PositiveInfinity;
        int m1 = -1, m2 = -1;
        var muscles = th.Muscles;
        for (int m = 0; m < muscles.Length; m++)
        {
            ref readonly var g = ref muscles[m];
            double du = u - g.U, dv = v - g.V;
            if ((du * du) + (dv * dv) > g.Bound2)
            {
                continue;
            }
            double xr = (du * g.Cos) + (dv * g.Sin), yr = (-du * g.Sin) + (dv * g.Cos);
            double gx = xr * g.InvA2, gy = yr * g.InvB2;
            double sv = Math.Sqrt((xr * gx) + (yr * gy));
            double gn = Math.Sqrt((gx * gx) + (gy * gy));
            double e = sv < 1e-9 || gn < 1e-12 ? -g.MinAxis : (sv - 1) * sv / gn;
            if (e < e1)
            {
                e2 = e1; m2 = m1; e1 = e; m1 = m;
            }
            else if (e < e2)
            {
                e2 = e; m2 = m;
            }
        }

        double dMuscle = double.NegativeInfinity;
        bool septumLimits = false;
        if (m1 >= 0)
        {
            double dSep = (e2 - e1) / 2 - sepHalf;
            dMuscle = Math.Min(-e1, Math.Min(dBone, dVessel - (1.6 * sepHalf)));
            if (dSep < dMuscle)
            {
                dMuscle = dSep;
                septumLimits = true;
            }
        }
        if (dMuscle > -px && m1 >= 0)
        {
            ref readonly var g = ref muscles[m1];
            bool fasciaSeptum = septumLimits && m2 >= 0 && g.Group == 1 && muscles[m2].Group == 1;
            if (fasciaSeptum)
            {
                intensity = FasciaS;
            }
            double n1 = s.Texture.Sample(xw / 6.0, yw / 6.0, zmm / 30.0);
            double n2 = s.Texture.Sample((xw / 2.0) + 11.3, (yw / 2.0) + 5.7, (zmm / 8.0) + 3.1);
            double infil = s.Infiltration * g.InfiltrationWeight * Smooth(0.42, 0.8, n1 + g.InfiltrationOffset);
            var mi = new Signal(g.Intensity * (1 + (0.12 * (n2 - 0.5))), MusclePd * (1 - g.BaseFat), MusclePd * g.BaseFat);
            mi = Signal.Lerp(mi, ImFatS, infil);
            intensity = Signal.Lerp(intensity, mi, Ramp(dMuscle, px));
            if (dMuscle > 0 && df > 0)
            {
                label = g.Label;
                cls = PhantomTissue.Muscle;
            }
            else if (df >= 0)
            {
                cls = fasciaSeptum ? PhantomTissue.Fascia : PhantomTissue.IntermuscularFat;
            }
        }

        if (vesselIndex >= 0 && dVessel < px)
        {
            var b = th.Bundles[vesselIndex];
            intensity = Signal.Lerp(intensity, b.Kind == PhantomTissue.Nerve ? NerveS : VesselS, Ramp(-dVessel, px));
            if (dVessel < 0 && df > 0)
            {
                cls = b.Kind;
            }
        }
        if (dBone < px)
        {
            intensity = Signal.Lerp(intensity, CortexS, Ramp(-dBone, px));
            intensity = Signal.Lerp(intensity, MarrowS, Ramp(-dBone - cortex, px));
            if (dBone < 0)
            {
                cls = -dBone > cortex ? PhantomTissue.Marrow : PhantomTissue.CorticalBone;
            }
        }
    }

    private static double Smooth(double e0, double e1, double x)
    {
        double t = Math.Clamp((x - e0) / (e1 - e0), 0, 1);
        return t * t * (3 - (2 * t));
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Geometry of one muscle in one slice, in local mm.</summary>
    private readonly record struct MuscleSlice(int Label, int Group, double U, double V, double Cos, double Sin, double InvA2, double InvB2,
        double MinAxis, double Bound2, double Intensity, double InfiltrationOffset, double InfiltrationWeight, double BaseFat);

    private readonly record struct BundleSlice(PhantomTissue Kind, double U, double V, double R);

    /// <summary>One thigh in one slice: placement in the slice (mm) and its anatomy in the local frame (mm).</summary>
    private sealed record ThighSlice(double Sign, double Cx, double Cy, double Cos, double Sin, double R, double Fat, double Skin, double FasciaWidth,
        double H2c, double H2s, double H3c, double H3s, double F1c, double F1s, double F2c, double F2s,
        double FemU, double FemV, double FemR, double CortexT, MuscleSlice[] Muscles, BundleSlice[] Bundles);

    /// <summary>Per-side random parameters.</summary>
    private sealed class SideModel
    {
        public SideModel(Random rng, int muscleCount)
        {
            Scale = 1 + U(rng, -0.05, 0.05);
            Rotation = U(rng, -7, 7) * Math.PI / 180;
            CentreDy = U(rng, -8, 8);
            H2 = U(rng, 0.0, 0.07); P2 = U(rng, 0, 2 * Math.PI);
            H3 = U(rng, 0.0, 0.04); P3 = U(rng, 0, 2 * Math.PI);
            MuscleSize = new double[muscleCount];
            MuscleDu = new double[muscleCount];
            MuscleDv = new double[muscleCount];
            MuscleDAngle = new double[muscleCount];
            for (int m = 0; m < muscleCount; m++)
            {
                MuscleSize[m] = 1 + U(rng, -0.05, 0.05);
                MuscleDu[m] = U(rng, -0.02, 0.02);
                MuscleDv[m] = U(rng, -0.02, 0.02);
                MuscleDAngle[m] = U(rng, -4, 4);
            }
        }

        public double Scale { get; }
        public double Rotation { get; }
        public double CentreDy { get; }
        public double H2 { get; }
        public double P2 { get; }
        public double H3 { get; }
        public double P3 { get; }
        public double[] MuscleSize { get; }
        public double[] MuscleDu { get; }
        public double[] MuscleDv { get; }
        public double[] MuscleDAngle { get; }
    }

    private static double U(Random rng, double lo, double hi) => lo + (rng.NextDouble() * (hi - lo));

    /// <summary>All random parameters of one subject and acquisition, drawn in a fixed order from the subject's generator.</summary>
    private sealed class SubjectModel
    {
        private readonly ThighAnatomy.MuscleModel[] _models = ThighAnatomy.Muscles;

        public SubjectModel(Random rng, PhantomOptions options, int seed)
        {
            Options = options;
            int mc = _models.Length;
            // Subject.
            ThighLength = U(rng, 380, 480);
            R0 = U(rng, 48, 68);
            Fat0 = U(rng, 5, 30);
            FatDir = U(rng, 0, 2 * Math.PI);
            FatA1 = U(rng, 0.1, 0.4);
            FatA2 = U(rng, 0.0, 0.2);
            FatP2 = U(rng, 0, 2 * Math.PI);
            Skin = U(rng, 1.4, 2.4);
            FemurR = U(rng, 12.5, 15.5);
            Infiltration = rng.NextDouble() < 0.3 ? U(rng, 0, 0.08) : U(rng, 0.08, 0.45);
            GapBase = U(rng, -14, 36);
            GapSlope = U(rng, -20, 20);
            MuscleSize = new double[mc];
            MuscleIntensity = new double[mc];
            InfilOffset = new double[mc];
            InfilWeight = new double[mc];
            for (int m = 0; m < mc; m++)
            {
                MuscleSize[m] = 1 + U(rng, -0.12, 0.12);
                MuscleIntensity[m] = (_models[m].Intensity + U(rng, -0.02, 0.02)) * MuscleScale;
                InfilOffset[m] = U(rng, -0.15, 0.15);
                InfilWeight[m] = U(rng, 0.5, 1.2);
            }
            Sides = [new SideModel(rng, mc), new SideModel(rng, mc)];
            // Dixon: muscle- and subject-specific baseline fat fraction, from a stream of its own (the T1w draws stay as they are).
            var fatRng = new Random(SubjectSeed(seed, 3_000_000));
            double subjectFat = U(fatRng, 0.01, 0.04);
            BaseFat = new double[mc];
            for (int m = 0; m < mc; m++)
            {
                BaseFat[m] = subjectFat + U(fatRng, 0.0, 0.04);
            }
            Texture = new ValueNoise3(rng);

            // Acquisition.
            Slices = rng.Next(options.MinSlices, options.MaxSlices + 1);
            Coverage = U(rng, 0.55, 0.95);
            Start = U(rng, 0.04, 0.98 - Coverage);
            SliceMm = Coverage * ThighLength / Slices;
            double needX = 0, needY = 0;
            for (int k = 0; k < Slices; k++)
            {
                double l = Level(k);
                double rr = SkinRadius(0, l), rl = SkinRadius(1, l);
                needX = Math.Max(needX, (2 * (rr + rl)) + Math.Max(Gap(l), 0) + 20);
                needY = Math.Max(needY, (2 * Math.Max(rr, rl)) + 30);
            }
            double fovX = Math.Max(needX * U(rng, 1.04, 1.22), U(rng, 300, 380));
            PixelMm = fovX / options.MatrixSize;
            double fovY = Math.Max(needY * U(rng, 1.04, 1.2), fovX * U(rng, 0.5, 0.62));
            MatrixY = Math.Max(16, (int)Math.Ceiling(fovY / PixelMm));
            ShiftX = U(rng, -0.4, 0.4) * (fovX - needX) / 2;
            ShiftY = U(rng, -0.4, 0.4) * Math.Max(0, (MatrixY * PixelMm) - needY) / 2;
            Bias = new double[7];
            for (int b = 0; b < Bias.Length; b++)
            {
                Bias[b] = U(rng, -0.18, 0.18);
            }
            NoiseSigma = U(rng, 0.012, 0.045);
            IntensityScale = U(rng, 300, 1800);
            FlipX = options.RandomAxisDirections && rng.NextDouble() < 0.5;
            FlipZ = options.RandomAxisDirections && rng.NextDouble() < 0.5;
        }

        public PhantomOptions Options { get; }
        public double ThighLength { get; }
        public double R0 { get; }
        public double Fat0 { get; }
        public double FatDir { get; }
        public double FatA1 { get; }
        public double FatA2 { get; }
        public double FatP2 { get; }
        public double Skin { get; }
        public double FemurR { get; }
        public double Infiltration { get; }
        public double GapBase { get; }
        public double GapSlope { get; }
        public double[] MuscleSize { get; }
        public double[] MuscleIntensity { get; }
        public double[] InfilOffset { get; }
        public double[] InfilWeight { get; }
        public double[] BaseFat { get; }
        public SideModel[] Sides { get; }
        public ValueNoise3 Texture { get; }
        public int Slices { get; }
        public double Coverage { get; }
        public double Start { get; }
        public double SliceMm { get; }
        public double PixelMm { get; }
        public int MatrixY { get; }
        public double ShiftX { get; }
        public double ShiftY { get; }
        public double[] Bias { get; }
        public double NoiseSigma { get; }
        public double IntensityScale { get; }
        public bool FlipX { get; }
        public bool FlipZ { get; }

        /// <summary>Thigh level of (RAS-ordered) slice k.</summary>
        public double Level(int k) => Start + ((k + 0.5) * Coverage / Slices);

        public double CompartmentRadius(int side, double l) => R0 * Sides[side].Scale * (side == 1 ? Options.LeftThighScale : 1) * (0.76 + (0.30 * Smooth(0.0, 0.9, l)));

        public double FatThickness(double l) => Fat0 * (0.75 + (0.5 * l));

        public double SkinRadius(int side, double l) => CompartmentRadius(side, l) + FatThickness(l) + Skin;

        public double Gap(double l) => GapBase + (GapSlope * (l - 0.5));

        public ThighSlice ThighAt(int side, double l)
        {
            var sm = Sides[side];
            double sign = side == 0 ? 1 : -1; // side 0: patient right (+x), side 1: left (mirrored).
            double R = CompartmentRadius(side, l);
            double gap = Gap(l);
            double cx = ShiftX + (sign * ((gap / 2) + SkinRadius(side, l)));
            double cy = ShiftY + sm.CentreDy;
            var (ki, kt) = ThighAnatomy.Bracket(l);

            var muscles = new List<MuscleSlice>(_models.Length);
            for (int m = 0; m < _models.Length; m++)
            {
                var model = _models[m];
                double presence = model.Presence(l);
                if (presence <= 0.02)
                {
                    continue;
                }
                var a = model.Keys[ki];
                var b = model.Keys[ki + 1];
                double size = presence * MuscleSize[m] * sm.MuscleSize[m] * R * Inflate;
                double ea = Lerp(a.A, b.A, kt) * size, eb = Lerp(a.B, b.B, kt) * size;
                if (Math.Min(ea, eb) < 1.0)
                {
                    continue;
                }
                double ang = (Lerp(a.AngleDeg, b.AngleDeg, kt) + sm.MuscleDAngle[m]) * Math.PI / 180;
                double mu = (Lerp(a.U, b.U, kt) + sm.MuscleDu[m]) * R, mv = (Lerp(a.V, b.V, kt) + sm.MuscleDv[m]) * R;
                double bound = Math.Max(ea, eb) + 12;
                int group = model.Label is >= 1 and <= 4 ? 1 : 0;
                muscles.Add(new MuscleSlice(model.Label, group, mu, mv, Math.Cos(ang), Math.Sin(ang), 1 / (ea * ea), 1 / (eb * eb),
                    Math.Min(ea, eb), bound * bound, MuscleIntensity[m], InfilOffset[m], InfilWeight[m], BaseFat[m]));
            }

            var fc0 = ThighAnatomy.FemurCentre[ki];
            var fc1 = ThighAnatomy.FemurCentre[ki + 1];
            double femR = FemurR * (1 + (0.7 * Math.Exp(-l / 0.07)));
            // Thin structures are kept at least about a pixel thick so that they stay visible edges at coarse resolutions.
            double cortexT = Math.Max(1.1 * PixelMm, femR * (0.12 + (0.30 * Smooth(0.05, 0.35, l))) * (1 - (0.3 * Smooth(0.8, 1.0, l))));

            var bundles = ThighAnatomy.Bundles.Select(bd =>
            {
                var p0 = bd.Keys[ki];
                var p1 = bd.Keys[ki + 1];
                return new BundleSlice(bd.Kind, Lerp(p0.U, p1.U, kt) * R, Lerp(p0.V, p1.V, kt) * R, bd.RadiusMm);
            }).ToArray();

            double fatDir = FatDir + (side * 0.3); // nearly mirror-symmetric fat pattern (the local frame is mirrored)
            return new ThighSlice(sign, cx, cy, Math.Cos(sm.Rotation), Math.Sin(sm.Rotation), R, FatThickness(l) * (1 + (0.06 * (side - 0.5))), Skin, Math.Max(1.0, 1.1 * PixelMm),
                sm.H2 * Math.Cos(sm.P2), -sm.H2 * Math.Sin(sm.P2), sm.H3 * Math.Cos(sm.P3), -sm.H3 * Math.Sin(sm.P3),
                FatA1 * Math.Cos(fatDir), FatA1 * Math.Sin(fatDir), FatA2 * Math.Cos(FatP2), -FatA2 * Math.Sin(FatP2),
                Lerp(fc0.U, fc1.U, kt) * R, Lerp(fc0.V, fc1.V, kt) * R, femR, cortexT, [.. muscles], bundles);
        }
    }
}
