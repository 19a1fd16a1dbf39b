using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Benchmarks;

/// <summary>
/// Evaluation of a 256×256×60 label map with 13 muscle labels (0.9375 × 0.9375 × 5 mm voxels, a typical axial thigh
/// MRI): Dice, HD95, ASSD, RVD and volumes for all labels of one subject. Compares the evaluator (one pass for counts
/// and bounding boxes, then exact EDTs inside each label's padded bounding box) with counts only and with a naive
/// variant that runs two full-volume distance transforms for one label.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    public const int SizeX = 256, SizeY = 256, SizeZ = 60, Labels = 13;

    private Volume<int>? _reference;
    private Volume<int>? _prediction;
    private SegmentationEvaluator? _serial;
    private SegmentationEvaluator? _twoThreads;

    [GlobalSetup]
    public void Setup()
    {
        (_reference, _prediction) = CreateLabelMaps(seed: 7);
        _serial = new SegmentationEvaluator();
        _twoThreads = new SegmentationEvaluator(new EvaluationOptions { MaxDegreeOfParallelism = 2 });
    }

    [Benchmark(Baseline = true, Description = "evaluate 13 labels, all metrics, 1 thread")]
    public int EvaluateAll() => _serial!.Evaluate("bench", _reference!, _prediction!).Count;

    [Benchmark(Description = "evaluate 13 labels, all metrics, 2 threads")]
    public int EvaluateAllTwoThreads() => _twoThreads!.Evaluate("bench", _reference!, _prediction!).Count;

    [Benchmark(Description = "counts only (dice, rvd, volume), 13 labels")]
    public int CountsOnly() => _serial!.Compare(_reference!, _prediction!, computeSurfaceDistances: false).Count;

    /// <summary>The naive alternative for ONE label (multiply by 13 to compare): surfaces and two distance transforms over the whole volume.</summary>
    [Benchmark(Description = "naive: full-volume EDTs, 1 label")]
    public double NaiveOneLabel() => NaiveHd95(_reference!, _prediction!, label: 1);

    /// <summary>
    /// A synthetic thigh-like cohort member: 13 elliptical "muscles" on a ring around the femur, each spanning its own
    /// range of slices (some vanish proximally or distally), and a prediction with every ellipse shifted by 1–2 voxels,
    /// resized by up to ±8 % and its slice range moved by one slice. Deterministic for a seed.
    /// </summary>
    public static (Volume<int> Reference, Volume<int> Prediction) CreateLabelMaps(int seed)
    {
        var rng = new Random(seed);
        var affine = Affine.FromSpacing(0.9375, 0.9375, 5.0);
        var shape = new VolumeShape(SizeX, SizeY, SizeZ);
        var reference = new Volume<int>(shape, affine);
        var prediction = new Volume<int>(shape, affine);
        var refEllipses = new Ellipse[Labels];
        var predEllipses = new Ellipse[Labels];
        for (int l = 0; l < Labels; l++)
        {
            double angle = 2 * Math.PI * l / Labels;
            double cx = 128 + (72 * Math.Cos(angle)), cy = 128 + (62 * Math.Sin(angle));
            double rx = 12 + (rng.NextDouble() * 10), ry = 10 + (rng.NextDouble() * 8);
            int z0 = rng.Next(0, 15), z1 = rng.Next(40, SizeZ);
            refEllipses[l] = new Ellipse(l + 1, cx, cy, rx, ry, z0, z1);
            double scale = 0.92 + (rng.NextDouble() * 0.16);
            predEllipses[l] = new Ellipse(l + 1, cx + rng.Next(1, 3), cy + rng.Next(-2, 3), rx * scale, ry * scale, z0 + 1, Math.Min(SizeZ - 1, z1 + 1));
        }
        Paint(reference, refEllipses);
        Paint(prediction, predEllipses);
        return (reference, prediction);
    }

    private readonly record struct Ellipse(int Label, double Cx, double Cy, double Rx, double Ry, int Z0, int Z1);

    private static void Paint(Volume<int> volume, Ellipse[] ellipses)
    {
        for (int z = 0; z < volume.Shape.Z; z++)
        {
            // Muscles taper towards the ends of their slice range.
            foreach (var e in ellipses)
            {
                if (z < e.Z0 || z > e.Z1)
                {
                    continue;
                }
                double t = (z - e.Z0) / (double)Math.Max(1, e.Z1 - e.Z0);
                double taper = 0.6 + (0.4 * Math.Sin(Math.PI * t));
                double rx = e.Rx * taper, ry = e.Ry * taper;
                for (int y = (int)(e.Cy - ry) - 1; y <= (int)(e.Cy + ry) + 1; y++)
                {
                    for (int x = (int)(e.Cx - rx) - 1; x <= (int)(e.Cx + rx) + 1; x++)
                    {
                        double u = (x - e.Cx) / rx, v = (y - e.Cy) / ry;
                        if (u * u + v * v <= 1 && volume[x, y, z] == 0)
                        {
                            volume[x, y, z] = e.Label;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The naive approach: HD95 of one label from its surfaces and two distance transforms over the whole volume.</summary>
    public static double NaiveHd95(Volume<int> reference, Volume<int> prediction, int label)
    {
        var shape = reference.Shape;
        byte[] rs = Surface(reference, label), ps = Surface(prediction, label);
        double[] toPred = EuclideanDistanceTransform.SquaredDistanceToFeatures(ps, shape, reference.Spacing);
        double[] toRef = EuclideanDistanceTransform.SquaredDistanceToFeatures(rs, shape, reference.Spacing);
        var a = new List<double>();
        var b = new List<double>();
        for (int i = 0; i < rs.Length; i++)
        {
            if (rs[i] != 0) { a.Add(Math.Sqrt(toPred[i])); }
            if (ps[i] != 0) { b.Add(Math.Sqrt(toRef[i])); }
        }
        a.Sort();
        b.Sort();
        return Math.Max(SurfaceDistances.Percentile(a.ToArray(), 95), SurfaceDistances.Percentile(b.ToArray(), 95));
    }

    private static byte[] Surface(Volume<int> v, int label)
    {
        var s = v.Shape;
        var result = new byte[s.VoxelCount];
        bool In(int x, int y, int z) => x >= 0 && y >= 0 && z >= 0 && x < s.X && y < s.Y && z < s.Z && v[x, y, z] == label;
        for (int z = 0; z < s.Z; z++)
        {
            for (int y = 0; y < s.Y; y++)
            {
                for (int x = 0; x < s.X; x++)
                {
                    if (In(x, y, z) && !(In(x - 1, y, z) && In(x + 1, y, z) && In(x, y - 1, z) && In(x, y + 1, z) && In(x, y, z - 1) && In(x, y, z + 1)))
                    {
                        result[s.Index(x, y, z)] = 1;
                    }
                }
            }
        }
        return result;
    }
}
