using System.Globalization;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// Side-specific labels: turns a label volume whose muscles carry the same value on both thighs (a prediction or a ground
/// truth) into one with a value per muscle and side, the side decided anatomically from the RAS+ world geometry (never
/// from image columns), and numbers the result with a <see cref="SideLabelScheme"/>.
/// </summary>
/// <remarks>
/// <para>Side assignment (<see cref="AssignSides"/>): the labels are reoriented to canonical RAS+ voxel order
/// (<see cref="Orientation.ToCanonical{T}"/>), so the first voxel axis runs toward the patient's right whatever the stored
/// order (RAS, LAS, LPS, flipped or permuted). The body midline is found from the labels: a global split column by Otsu's
/// criterion on the left-right distribution of all labelled voxels, then refined per axial slice to the least-occupied
/// column within a quarter of the labelled width of it (the gap of subcutaneous fat and skin between the thighs; the centre
/// of the run when several columns tie). Each 4-connected in-slice component of one label value goes wholly to the side
/// that holds most of its voxels, so a muscle is never cut by the midline. Right is toward +x (RAS+).</para>
/// <para>All members are pure functions and thread-safe.</para>
/// </remarks>
public static class SideLabels
{
    /// <summary>Suffix of right-side names.</summary>
    public const string RightSuffix = "_right";

    /// <summary>Suffix of left-side names.</summary>
    public const string LeftSuffix = "_left";

    /// <summary>The MuscleMap code stems (code = stem·10 + 1 for left, + 2 for right), by muscle name.</summary>
    public static IReadOnlyDictionary<string, int> MuscleMapCodes { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["vastus_lateralis"] = 710, ["vastus_intermedius"] = 711, ["vastus_medialis"] = 712, ["rectus_femoris"] = 713,
        ["sartorius"] = 714, ["gracilis"] = 715, ["semimembranosus"] = 716, ["semitendinosus"] = 717,
        ["biceps_femoris_long_head"] = 718, ["biceps_femoris_short_head"] = 719, ["adductor_magnus"] = 720,
        ["adductor_longus"] = 721, ["adductor_brevis"] = 722,
    };

    /// <summary>The side-specific name of a muscle: <c>&lt;muscle&gt;_right</c> or <c>&lt;muscle&gt;_left</c>.</summary>
    public static string Name(string muscle, AnatomicalSide side) => muscle + (side == AnatomicalSide.Right ? RightSuffix : LeftSuffix);

    /// <summary>Splits a side-specific name into muscle and side; false when the name has no side suffix.</summary>
    public static bool TryParseName(string name, out string muscle, out AnatomicalSide side)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (suffix, s) in new[] { (RightSuffix, AnatomicalSide.Right), (LeftSuffix, AnatomicalSide.Left) })
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            {
                muscle = name[..^suffix.Length];
                side = s;
                return true;
            }
        }
        muscle = name;
        side = AnatomicalSide.Right;
        return false;
    }

    /// <summary>The side-specific value of muscle <paramref name="muscleValue"/> named <paramref name="muscle"/> under <paramref name="scheme"/>.</summary>
    /// <exception cref="ArgumentException">The value does not fit the scheme (Offset: 1..99), or the muscle is not in the MuscleMap table.</exception>
    public static int Value(SideLabelScheme scheme, int muscleValue, string muscle, AnatomicalSide side)
    {
        ArgumentNullException.ThrowIfNull(muscle);
        switch (scheme)
        {
            case SideLabelScheme.Offset:
                if (muscleValue is < 1 or > 99)
                {
                    throw new ArgumentOutOfRangeException(nameof(muscleValue), muscleValue, $"The Offset side scheme needs muscle values in 1..99; '{muscle}' has {muscleValue}.");
                }
                return (side == AnatomicalSide.Right ? 100 : 200) + muscleValue;
            case SideLabelScheme.MuscleMap:
                if (!MuscleMapCodes.TryGetValue(muscle, out int stem))
                {
                    throw new ArgumentException($"Muscle '{muscle}' (value {muscleValue}) has no MuscleMap code; known: {string.Join(", ", MuscleMapCodes.Keys)}.", nameof(muscle));
                }
                return (stem * 10) + (side == AnatomicalSide.Left ? 1 : 2);
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown side label scheme.");
        }
    }

    /// <summary>True when every non-background name of <paramref name="map"/> carries a side suffix (the labels are already sided).</summary>
    public static bool IsSided(LabelMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var names = map.Values.Where(v => v != 0).Select(map.Name).ToList();
        return names.Count > 0 && names.All(n => TryParseName(n, out _, out _));
    }

    /// <summary>
    /// Side-specific labels of <paramref name="labels"/>. Labels whose map is already sided (<see cref="IsSided"/>) are
    /// returned as they are; otherwise each muscle value v becomes its right and left values under <paramref name="scheme"/>,
    /// the side of every voxel from <see cref="AssignSides"/>. Values in the volume but not in the map are named
    /// <c>label_v</c>.
    /// </summary>
    /// <param name="labels">Label volume (any storage orientation).</param>
    /// <param name="map">Names of the values; null for generic names.</param>
    /// <param name="scheme">Numbering of the side-specific values.</param>
    /// <exception cref="ArgumentException">A value that the scheme cannot number.</exception>
    public static SidedLabels Split(Volume<int> labels, LabelMap? map, SideLabelScheme scheme = SideLabelScheme.Offset)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var present = new SortedSet<int>();
        foreach (int v in labels.Data)
        {
            if (v != 0)
            {
                present.Add(v);
            }
        }
        map ??= LabelMap.Generic(present);
        var missing = present.Where(v => !map.Contains(v)).ToList();
        if (missing.Count > 0)
        {
            map = LabelMap.FromNames(map.Names.Where(kv => kv.Key != 0).Concat(missing.Select(v => KeyValuePair.Create(v, "label_" + v.ToString(CultureInfo.InvariantCulture)))));
        }
        if (IsSided(map))
        {
            var sidedEntries = map.Values.Where(v => v != 0).Select(v =>
            {
                TryParseName(map.Name(v), out string muscle, out AnatomicalSide side);
                return new SidedLabel(v, map.Name(v), muscle, 0, side);
            }).OrderBy(e => e.Muscle, StringComparer.Ordinal).ThenBy(e => e.Side).ToList();
            return new SidedLabels(labels, map, sidedEntries);
        }

        var entries = SidedEntries(map, scheme);
        var right = entries.Where(e => e.Side == AnatomicalSide.Right).ToDictionary(e => e.MuscleValue, e => e.Value);
        var left = entries.Where(e => e.Side == AnatomicalSide.Left).ToDictionary(e => e.MuscleValue, e => e.Value);
        var sides = AssignSides(labels);
        var data = new int[labels.Data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            int v = labels.Data[i];
            if (v != 0)
            {
                data[i] = sides.Data[i] == (int)AnatomicalSide.Right ? right[v] : left[v];
            }
        }
        var sidedMap = LabelMap.FromNames(entries.Select(e => KeyValuePair.Create(e.Value, e.Name)));
        return new SidedLabels(labels.WithData(data), sidedMap, entries);
    }

    /// <summary>
    /// The label map of the side-specific labels <see cref="Split"/> makes from labels named by the side-less
    /// <paramref name="map"/>: for each muscle value v, <c>&lt;muscle&gt;_right</c> and <c>&lt;muscle&gt;_left</c> numbered
    /// by <paramref name="scheme"/> (depends on the map only, so a cohort's label maps all share it). A map that is
    /// already sided (<see cref="IsSided"/>) is returned as it is.
    /// </summary>
    /// <exception cref="ArgumentException">A value that the scheme cannot number.</exception>
    public static LabelMap SidedMap(LabelMap map, SideLabelScheme scheme = SideLabelScheme.Offset)
    {
        ArgumentNullException.ThrowIfNull(map);
        return IsSided(map) ? map : LabelMap.FromNames(SidedEntries(map, scheme).Select(e => KeyValuePair.Create(e.Value, e.Name)));
    }

    private static List<SidedLabel> SidedEntries(LabelMap map, SideLabelScheme scheme)
    {
        var entries = new List<SidedLabel>();
        foreach (int v in map.Values.Where(v => v != 0))
        {
            string muscle = map.Name(v);
            foreach (var side in new[] { AnatomicalSide.Right, AnatomicalSide.Left })
            {
                entries.Add(new SidedLabel(Value(scheme, v, muscle, side), Name(muscle, side), muscle, v, side));
            }
        }
        return entries;
    }

    /// <summary>
    /// The anatomical side of every labelled voxel: 0 background, 1 (<see cref="AnatomicalSide.Right"/>) or 2
    /// (<see cref="AnatomicalSide.Left"/>), on the input's grid. See the type's remarks for the method.
    /// </summary>
    public static Volume<int> AssignSides(Volume<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (c, transform) = Orientation.ToCanonical(labels);
        var s = c.Shape;
        var sides = new int[c.Data.Length];
        var global = new long[s.X];
        for (int n = 0; n < c.Data.Length; n++)
        {
            if (c.Data[n] != 0)
            {
                global[n % s.X]++;
            }
        }
        int first = Array.FindIndex(global, g => g > 0);
        if (first < 0)
        {
            return transform.ToOriginal(c.WithData(sides));
        }
        int last = Array.FindLastIndex(global, g => g > 0);
        double globalMid = OtsuSplit(global, first, last);
        int window = Math.Max(2, (last - first) / 4);

        var profile = new long[s.X];
        var component = new int[s.SliceSize];
        var stack = new Stack<int>();
        for (int k = 0; k < s.Z; k++)
        {
            int offset = k * s.SliceSize;
            int[] data = c.Data;
            Array.Clear(profile);
            bool any = false;
            for (int n = 0; n < s.SliceSize; n++)
            {
                if (data[offset + n] != 0)
                {
                    profile[n % s.X]++;
                    any = true;
                }
            }
            if (!any)
            {
                continue;
            }
            double mid = SliceMidline(profile, globalMid, window);

            // Components of one value, assigned wholly to the side holding most of their voxels.
            Array.Fill(component, 0);
            int id = 0;
            var members = new List<int>();
            for (int seed = 0; seed < s.SliceSize; seed++)
            {
                int v = data[offset + seed];
                if (v == 0 || component[seed] != 0)
                {
                    continue;
                }
                id++;
                members.Clear();
                long votes = 0;
                component[seed] = id;
                stack.Push(seed);
                while (stack.Count > 0)
                {
                    int p = stack.Pop();
                    members.Add(p);
                    int x = p % s.X, y = p / s.X;
                    votes += x > mid ? 1 : x < mid ? -1 : 0;
                    Visit(p - 1, x > 0);
                    Visit(p + 1, x < s.X - 1);
                    Visit(p - s.X, y > 0);
                    Visit(p + s.X, y < s.Y - 1);
                }
                int side = votes >= 0 ? (int)AnatomicalSide.Right : (int)AnatomicalSide.Left;
                foreach (int p in members)
                {
                    sides[offset + p] = side;
                }

                void Visit(int q, bool inside)
                {
                    if (inside && component[q] == 0 && data[offset + q] == v)
                    {
                        component[q] = id;
                        stack.Push(q);
                    }
                }
            }
        }
        return transform.ToOriginal(c.WithData(sides));
    }

    /// <summary>Otsu's split of column indices first..last weighted by <paramref name="counts"/>: the boundary (x + 0.5) maximising the between-class variance.</summary>
    private static double OtsuSplit(long[] counts, int first, int last)
    {
        double total = 0, sum = 0;
        for (int i = first; i <= last; i++)
        {
            total += counts[i];
            sum += (double)i * counts[i];
        }
        double w0 = 0, s0 = 0, best = -1;
        int split = first;
        for (int i = first; i < last; i++)
        {
            w0 += counts[i];
            s0 += (double)i * counts[i];
            double w1 = total - w0;
            if (w0 == 0 || w1 == 0)
            {
                continue;
            }
            double m0 = s0 / w0, m1 = (sum - s0) / w1;
            double between = w0 * w1 * (m0 - m1) * (m0 - m1);
            if (between > best)
            {
                best = between;
                split = i;
            }
        }
        return split + 0.5;
    }

    /// <summary>The least-occupied column (3-column sums) within <paramref name="window"/> of <paramref name="near"/>; the centre of the tied run nearest to it.</summary>
    private static double SliceMidline(long[] profile, double near, int window)
    {
        int n = profile.Length;
        int lo = Math.Max(0, (int)Math.Floor(near) - window), hi = Math.Min(n - 1, (int)Math.Ceiling(near) + window);
        long Smoothed(int i) => profile[i] + (i > 0 ? profile[i - 1] : 0) + (i < n - 1 ? profile[i + 1] : 0);
        long min = long.MaxValue;
        for (int i = lo; i <= hi; i++)
        {
            min = Math.Min(min, Smoothed(i));
        }
        double best = near, bestDistance = double.PositiveInfinity;
        for (int i = lo; i <= hi; i++)
        {
            if (Smoothed(i) != min)
            {
                continue;
            }
            int j = i;
            while (j < hi && Smoothed(j + 1) == min)
            {
                j++;
            }
            double centre = (i + j) / 2.0;
            double d = Math.Abs(centre - near);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = centre;
            }
            i = j;
        }
        return best;
    }
}
