using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Preprocessing;

/// <summary>
/// Maps a subject between file space and network space, invertibly: canonical RAS+ orientation, intensity
/// normalisation (percentile clip then z-score over the volume), optional split of the two thighs along a per-slice
/// column found from the body mask (the left thigh mirrored so one model serves both), in-plane resampling to the
/// target spacing (bilinear for images, nearest for labels) and crop/pad to a fixed square size.
/// </summary>
/// <remarks>
/// <see cref="Restore"/> maps network-space labels back to the original voxel grid. When the target spacing equals the
/// native in-plane spacing, every step is a pure voxel move, and preparing a label volume then restoring it returns
/// it exactly (as long as each thigh fits in the target size). Slices are never resampled along z, so slice k of a
/// stack is canonical slice k; each stack records every slice's world z (<see cref="SliceStack.AxialMm"/>), the
/// scanner position PCL can use instead of <c>(k + 1) / K</c>. Thread-safe: instances hold only immutable options.
/// </remarks>
public sealed class Preprocessor
{
    /// <summary>Creates a preprocessor.</summary>
    /// <exception cref="ArgumentException">Inconsistent options.</exception>
    public Preprocessor(PreprocessingOptions? options = null)
    {
        Options = options ?? PreprocessingOptions.Default;
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public PreprocessingOptions Options { get; }

    /// <summary>Stack part names.</summary>
    public const string Right = "right", Left = "left", Whole = "whole";

    /// <summary>Prepares one subject.</summary>
    /// <param name="image">The image in its file geometry.</param>
    /// <param name="labels">Its labels with the same geometry, or null.</param>
    /// <param name="subjectId">The subject identifier.</param>
    /// <exception cref="ArgumentException">Labels whose geometry differs from the image's.</exception>
    public PreparedSubject Prepare(Volume<float> image, Volume<int>? labels, string subjectId)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        if (labels is not null && !labels.SameGeometry(image, 1e-3))
        {
            throw new ArgumentException($"Subject '{subjectId}': labels ({labels.Shape}) and image ({image.Shape}) differ in geometry.", nameof(labels));
        }
        var (img, orientation) = Orientation.ToCanonical(image);
        var lab = labels is null ? null : orientation.Apply(labels);
        var norm = Normalization(img.Data);
        var s = img.Shape;
        var (spx, spy, _) = img.Spacing;
        double stepX = Options.TargetSpacingMm / spx, stepY = Options.TargetSpacingMm / spy;
        int n = Options.TargetSize;

        bool[] body = BodyMask(img.Data, norm.Low + ((norm.High - norm.Low) * Options.BodyThreshold));
        int[]? split = Options.SplitThighs ? SplitColumns(body, s) : null;

        var geometry = new List<StackGeometry>();
        if (split is null)
        {
            var (x0, x1, y0, y1) = BoundingBox(body, s, null, true);
            geometry.Add(Place(Whole, x0, x1, y0, y1, +1, stepX, stepY, n, spx, spy));
        }
        else
        {
            var (rx0, rx1, ry0, ry1) = BoundingBox(body, s, split, true);
            var (lx0, lx1, ly0, ly1) = BoundingBox(body, s, split, false);
            geometry.Add(Place(Right, rx0, rx1, ry0, ry1, +1, stepX, stepY, n, spx, spy));
            geometry.Add(Place(Left, lx0, lx1, ly0, ly1, -1, stepX, stepY, n, spx, spy));
        }

        float bg = norm.Background;
        var axialMm = AxialCoordinates(img);
        var stacks = new List<SliceStack>(geometry.Count);
        foreach (var g in geometry)
        {
            var outImg = new float[n * n * s.Z];
            var outLab = lab is null ? null : new int[n * n * s.Z];
            Parallel.For(0, s.Z, k =>
            {
                for (int r = 0; r < n; r++)
                {
                    double y = g.Y0 + (r * g.StepY);
                    for (int c = 0; c < n; c++)
                    {
                        double x = g.X0 + (g.DirX * c * g.StepX);
                        int o = (k * n * n) + (r * n) + c;
                        outImg[o] = SampleLinear(img, norm, bg, x, y, k, g.Part, split);
                        if (outLab is not null)
                        {
                            int xi = (int)Math.Floor(x + 0.5), yi = (int)Math.Floor(y + 0.5);
                            outLab[o] = Inside(s, xi, yi) && OnSide(g.Part, split, xi, k) ? lab![xi, yi, k] : 0;
                        }
                    }
                }
            });
            stacks.Add(new SliceStack(subjectId, g.Part, n, n, s.Z, outImg, outLab, (double[])axialMm.Clone()));
        }
        return new PreparedSubject(subjectId, stacks, image, orientation, geometry, split, norm);
    }

    /// <summary>World z (mm) of the centre of each slice of a canonical volume.</summary>
    private static double[] AxialCoordinates(Volume<float> canonical)
    {
        var s = canonical.Shape;
        double cx = (s.X - 1) / 2.0, cy = (s.Y - 1) / 2.0;
        return [.. Enumerable.Range(0, s.Z).Select(k => canonical.Affine.Apply(cx, cy, k).Z)];
    }

    /// <summary>
    /// The geometry of one image as the planner needs it (<see cref="PreprocessingPlanner"/>): voxel spacing, slice count
    /// and the extent in mm of each part's body bounding box over all slices (each half-thigh when
    /// <see cref="PreprocessingOptions.SplitThighs"/>, else the whole slice), found exactly as <see cref="Prepare"/>
    /// finds it (same orientation, body mask and split).
    /// </summary>
    public SubjectGeometry Measure(Volume<float> image, string subjectId)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        var (img, _) = Orientation.ToCanonical(image);
        var norm = Normalization(img.Data);
        var s = img.Shape;
        var (spx, spy, spz) = img.Spacing;
        bool[] body = BodyMask(img.Data, norm.Low + ((norm.High - norm.Low) * Options.BodyThreshold));
        int[]? split = Options.SplitThighs ? SplitColumns(body, s) : null;
        var boxes = split is null ? [BoundingBox(body, s, null, true)] : new[] { BoundingBox(body, s, split, true), BoundingBox(body, s, split, false) };
        double width = boxes.Max(b => (b.X1 - b.X0 + 1) * spx), height = boxes.Max(b => (b.Y1 - b.Y0 + 1) * spy);
        return new SubjectGeometry(subjectId, spx, spy, spz, s.Z, width, height);
    }

    /// <summary>Maps network-space labels (one array per stack, <see cref="SliceStack"/> layout) back to the original geometry.</summary>
    /// <exception cref="ArgumentException">Wrong number or size of arrays.</exception>
    public static Volume<int> Restore(PreparedSubject prepared, IReadOnlyList<int[]> stackLabels)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        CheckStacks(prepared, stackLabels);
        var cs = prepared.Orientation.CanonicalShape;
        var canonical = new Volume<int>(cs, prepared.Orientation.CanonicalAffine);
        ForEachCanonicalVoxel(prepared, (x, y, k, si, c, r, n) =>
        {
            int ci = (int)Math.Floor(c + 0.5), ri = (int)Math.Floor(r + 0.5);
            if (ci >= 0 && ci < n && ri >= 0 && ri < n)
            {
                canonical[x, y, k] = stackLabels[si][(k * n * n) + (ri * n) + ci];
            }
        });
        return prepared.Orientation.ToOriginal(canonical);
    }

    /// <summary>
    /// Resolution-aware inverse: maps network-space predictions back to the original geometry by interpolating each
    /// class's probability bilinearly to the original voxel and taking the argmax there (nnU-Net's export), so edges
    /// and thin structures keep the sub-pixel information the probabilities carry instead of the blocks of
    /// nearest-neighbour labels. Where an original voxel falls exactly on a network pixel (the grids coincide) the
    /// network-space label is copied, exactly as <see cref="Restore"/> does. Voxels outside every stack get label 0.
    /// </summary>
    /// <param name="prepared">The prepared subject the predictions belong to.</param>
    /// <param name="stackLabels">Network-space labels per stack (the argmax of the probabilities), <see cref="SliceStack"/> layout.</param>
    /// <param name="stackProbabilities">Per stack, per class (index = class index of <paramref name="classes"/>), the
    /// probabilities in <see cref="SliceStack"/> layout.</param>
    /// <param name="classes">Label values by class index.</param>
    /// <exception cref="ArgumentException">Wrong number or size of arrays, or class counts that do not match <paramref name="classes"/>.</exception>
    public static Volume<int> RestoreFromProbabilities(PreparedSubject prepared, IReadOnlyList<int[]> stackLabels, IReadOnlyList<IReadOnlyList<float[]>> stackProbabilities, IReadOnlyList<int> classes)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(classes);
        CheckStacks(prepared, stackLabels);
        ArgumentNullException.ThrowIfNull(stackProbabilities);
        if (stackProbabilities.Count != prepared.Stacks.Count)
        {
            throw new ArgumentException($"Expected {prepared.Stacks.Count} stacks of probabilities for subject '{prepared.SubjectId}', got {stackProbabilities.Count}.", nameof(stackProbabilities));
        }
        for (int i = 0; i < stackProbabilities.Count; i++)
        {
            if (stackProbabilities[i] is null || stackProbabilities[i].Count != classes.Count)
            {
                throw new ArgumentException($"Stack {i} of subject '{prepared.SubjectId}' needs {classes.Count} probability maps (one per class), got {stackProbabilities[i]?.Count ?? 0}.", nameof(stackProbabilities));
            }
            foreach (var map in stackProbabilities[i])
            {
                if (map is null || map.Length != prepared.Stacks[i].Image.Length)
                {
                    throw new ArgumentException($"Stack {i} of subject '{prepared.SubjectId}' needs probability maps of {prepared.Stacks[i].Image.Length} values.", nameof(stackProbabilities));
                }
            }
        }
        const double exact = 1e-9;
        var cs = prepared.Orientation.CanonicalShape;
        var canonical = new Volume<int>(cs, prepared.Orientation.CanonicalAffine);
        ForEachCanonicalVoxel(prepared, (x, y, k, si, c, r, n) =>
        {
            int ci = (int)Math.Floor(c + 0.5), ri = (int)Math.Floor(r + 0.5);
            if (ci < 0 || ci >= n || ri < 0 || ri >= n)
            {
                return; // outside every stack: background, as in Restore
            }
            double cr = Math.Round(c), rr = Math.Round(r);
            if (Math.Abs(c - cr) < exact && Math.Abs(r - rr) < exact)
            {
                canonical[x, y, k] = stackLabels[si][(k * n * n) + ((int)rr * n) + (int)cr];
                return;
            }
            double cc = Math.Clamp(c, 0, n - 1), rc = Math.Clamp(r, 0, n - 1);
            var maps = stackProbabilities[si];
            int best = 0;
            float bestP = float.NegativeInfinity;
            for (int j = 0; j < maps.Count; j++)
            {
                float pj = Bilinear(maps[j], n, k, cc, rc);
                if (pj > bestP)
                {
                    bestP = pj;
                    best = j;
                }
            }
            canonical[x, y, k] = classes[best];
        });
        return prepared.Orientation.ToOriginal(canonical);
    }

    /// <summary>Maps a network-space float map (for example one label's probability; one array per stack) back to the
    /// original geometry with bilinear interpolation; voxels outside every stack get <paramref name="outside"/>.</summary>
    /// <exception cref="ArgumentException">Wrong number or size of arrays.</exception>
    public static Volume<float> RestoreMap(PreparedSubject prepared, IReadOnlyList<float[]> stackValues, float outside = 0)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        CheckStacks(prepared, stackValues);
        var cs = prepared.Orientation.CanonicalShape;
        var canonical = new Volume<float>(cs, prepared.Orientation.CanonicalAffine);
        ForEachCanonicalVoxel(prepared, (x, y, k, si, c, r, n) =>
        {
            canonical[x, y, k] = c < -0.5 || r < -0.5 || c > n - 0.5 || r > n - 0.5
                ? outside
                : Bilinear(stackValues[si], n, k, Math.Clamp(c, 0, n - 1), Math.Clamp(r, 0, n - 1));
        });
        return prepared.Orientation.ToOriginal(canonical);
    }

    private static float Bilinear(float[] v, int n, int k, double c, double r)
    {
        int c0 = Math.Min((int)c, n - 1), r0 = Math.Min((int)r, n - 1);
        int c1 = Math.Min(c0 + 1, n - 1), r1 = Math.Min(r0 + 1, n - 1);
        double tc = c - c0, tr = r - r0;
        int b = k * n * n;
        double top = (v[b + (r0 * n) + c0] * (1 - tc)) + (v[b + (r0 * n) + c1] * tc);
        double bot = (v[b + (r1 * n) + c0] * (1 - tc)) + (v[b + (r1 * n) + c1] * tc);
        return (float)((top * (1 - tr)) + (bot * tr));
    }

    private static void CheckStacks<T>(PreparedSubject prepared, IReadOnlyList<T[]> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        if (arrays.Count != prepared.Stacks.Count)
        {
            throw new ArgumentException($"Expected {prepared.Stacks.Count} stack arrays for subject '{prepared.SubjectId}', got {arrays.Count}.", nameof(arrays));
        }
        for (int i = 0; i < arrays.Count; i++)
        {
            var st = prepared.Stacks[i];
            if (arrays[i] is null || arrays[i].Length != st.Image.Length)
            {
                throw new ArgumentException($"Stack {i} ({st.Part}) of subject '{prepared.SubjectId}' needs {st.Image.Length} values ({st.Width}x{st.Height}x{st.Depth}).", nameof(arrays));
            }
        }
    }

    /// <summary>One canonical voxel (x, y, k) of stack <paramref name="stackIndex"/>: its position in that stack's
    /// network-space slice (column <paramref name="column"/>, row <paramref name="row"/>, fractional) of side <paramref name="size"/>.</summary>
    private delegate void VoxelAction(int x, int y, int k, int stackIndex, double column, double row, int size);

    private static void ForEachCanonicalVoxel(PreparedSubject p, VoxelAction action)
    {
        var cs = p.Orientation.CanonicalShape;
        Parallel.For(0, cs.Z, k =>
        {
            for (int y = 0; y < cs.Y; y++)
            {
                for (int x = 0; x < cs.X; x++)
                {
                    int si = p.SplitColumns is null ? 0 : x >= p.SplitColumns[k] ? 0 : 1;
                    var g = p.Geometry[si];
                    action(x, y, k, si, (x - g.X0) / (g.DirX * g.StepX), (y - g.Y0) / g.StepY, p.Stacks[si].Width);
                }
            }
        });
    }

    private static bool Inside(VolumeShape s, int x, int y) => x >= 0 && y >= 0 && x < s.X && y < s.Y;

    private static bool OnSide(string part, int[]? split, int x, int k) => part switch
    {
        Right => x >= split![k],
        Left => x < split![k],
        _ => true,
    };

    private static float SampleLinear(Volume<float> img, IntensityNormalization norm, float bg, double x, double y, int k, string part, int[]? split)
    {
        var s = img.Shape;
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double tx = x - x0, ty = y - y0;
        double acc = 0;
        for (int dy = 0; dy < 2; dy++)
        {
            double wy = dy == 0 ? 1 - ty : ty;
            if (wy == 0)
            {
                continue;
            }
            for (int dx = 0; dx < 2; dx++)
            {
                double wx = dx == 0 ? 1 - tx : tx;
                if (wx == 0)
                {
                    continue;
                }
                int xi = x0 + dx, yi = y0 + dy;
                double v = Inside(s, xi, yi) && OnSide(part, split, xi, k) ? norm.Apply(img[xi, yi, k]) : bg;
                acc += wx * wy * v;
            }
        }
        return (float)acc;
    }

    /// <summary>Places a stack so the side's body bounding box is centred, on whole canonical voxels, and records how
    /// large that box is against the frame (<see cref="StackGeometry.IsCropped"/>).</summary>
    private static StackGeometry Place(string part, int bx0, int bx1, int by0, int by1, int dir, double stepX, double stepY, int n, double spx, double spy)
    {
        double cx = (bx0 + bx1) / 2.0, cy = (by0 + by1) / 2.0;
        double x0 = Math.Round(cx - (dir * (n - 1) / 2.0 * stepX));
        double y0 = Math.Round(cy - ((n - 1) / 2.0 * stepY));
        double extentMm = Math.Max((bx1 - bx0 + 1) * spx, (by1 - by0 + 1) * spy);
        double frameMm = Math.Min(n * stepX * spx, n * stepY * spy);
        return new StackGeometry(part, x0, y0, dir, stepX, stepY, extentMm, frameMm);
    }

    private IntensityNormalization Normalization(float[] data)
    {
        // Percentiles from a deterministic strided sample of at most 2^20 voxels.
        int stride = Math.Max(1, data.Length >> 20);
        var sample = new float[(data.Length + stride - 1) / stride];
        for (int i = 0, j = 0; i < data.Length; i += stride, j++)
        {
            sample[j] = data[i];
        }
        Array.Sort(sample);
        double Pct(double p) => sample[(int)Math.Round(p / 100 * (sample.Length - 1))];
        double lo = Pct(Options.LowerPercentile), hi = Pct(Options.UpperPercentile);
        if (hi <= lo)
        {
            hi = lo + 1;
        }
        double sum = 0, sum2 = 0;
        foreach (float v in data)
        {
            double c = Math.Clamp(v, lo, hi);
            sum += c;
            sum2 += c * c;
        }
        double mean = sum / data.Length;
        double std = Math.Sqrt(Math.Max(0, (sum2 / data.Length) - (mean * mean)));
        return new IntensityNormalization(lo, hi, mean, std > 1e-12 ? std : 1);
    }

    private static bool[] BodyMask(float[] data, double threshold)
    {
        var m = new bool[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            m[i] = data[i] > threshold;
        }
        return m;
    }

    /// <summary>Per slice, the column between the thighs: the least-occupied column between the 25th and 75th
    /// percentiles of the body mass along x (nearest the centre of mass on ties). Empty slices take the median split.</summary>
    internal static int[] SplitColumns(bool[] body, VolumeShape s)
    {
        var split = new int[s.Z];
        var found = new List<int>();
        var profile = new int[s.X];
        for (int k = 0; k < s.Z; k++)
        {
            Array.Clear(profile);
            long total = 0;
            double moment = 0;
            for (int y = 0; y < s.Y; y++)
            {
                int row = s.Index(0, y, k);
                for (int x = 0; x < s.X; x++)
                {
                    if (body[row + x])
                    {
                        profile[x]++;
                    }
                }
            }
            for (int x = 0; x < s.X; x++)
            {
                total += profile[x];
                moment += (double)x * profile[x];
            }
            if (total < 4)
            {
                split[k] = -1;
                continue;
            }
            double com = moment / total;
            long acc = 0;
            int q1 = 0, q3 = s.X - 1;
            bool q1Set = false;
            for (int x = 0; x < s.X; x++)
            {
                acc += profile[x];
                if (!q1Set && acc >= total / 4)
                {
                    q1 = x;
                    q1Set = true;
                }
                if (acc >= 3 * total / 4)
                {
                    q3 = x;
                    break;
                }
            }
            int best = (int)Math.Round(com);
            int bestVal = int.MaxValue;
            double bestDist = double.MaxValue;
            for (int x = q1; x <= q3; x++)
            {
                double dist = Math.Abs(x + 0.5 - com);
                if (profile[x] < bestVal || (profile[x] == bestVal && dist < bestDist))
                {
                    bestVal = profile[x];
                    bestDist = dist;
                    best = x;
                }
            }
            // The split column is the first column of the right (+x) side: just past the valley's centre.
            split[k] = Math.Clamp(best + 1, 1, s.X - 1);
            found.Add(split[k]);
        }
        int fallback = found.Count > 0 ? found.Order().ElementAt(found.Count / 2) : s.X / 2;
        for (int k = 0; k < s.Z; k++)
        {
            if (split[k] < 0)
            {
                split[k] = fallback;
            }
        }
        return split;
    }

    private static (int X0, int X1, int Y0, int Y1) BoundingBox(bool[] body, VolumeShape s, int[]? split, bool right)
    {
        int x0 = int.MaxValue, x1 = int.MinValue, y0 = int.MaxValue, y1 = int.MinValue;
        for (int k = 0; k < s.Z; k++)
        {
            int from = split is null || right ? (split?[k] ?? 0) : 0;
            int to = split is null || !right ? (split is null ? s.X : split[k]) : s.X;
            for (int y = 0; y < s.Y; y++)
            {
                int row = s.Index(0, y, k);
                for (int x = from; x < to; x++)
                {
                    if (body[row + x])
                    {
                        x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                        y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                    }
                }
            }
        }
        if (x0 > x1)
        {
            // Nothing above the threshold on this side: centre on the side's half of the grid.
            int mid = split is null ? s.X / 2 : split[s.Z / 2];
            return split is null ? (0, s.X - 1, 0, s.Y - 1) : right ? (mid, s.X - 1, 0, s.Y - 1) : (0, mid - 1, 0, s.Y - 1);
        }
        return (x0, x1, y0, y1);
    }
}
