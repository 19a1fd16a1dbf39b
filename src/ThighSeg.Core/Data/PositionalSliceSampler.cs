using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Randomness;

namespace ThighSeg.Core.Data;

/// <summary>
/// The one slice sampler of ThighSeg, used by pretraining and fine-tuning: draws <see cref="PositionalSlice"/>s from
/// whole subjects (never from slice indices, so a subject's slices can never straddle a split), shuffled across subjects
/// and levels with a generator seeded by (seed, epoch). An epoch is one pass over every slice in batches (an incomplete
/// last batch is dropped unless it is the only one), or a fixed number of batches drawn from chained shuffles.
/// With <see cref="ClassAwareFraction"/> &gt; 0 (fine-tuning only; nnU-Net's foreground oversampling, per class) the last
/// <c>round(fraction · batch)</c> places of every batch are instead drawn as: a foreground class chosen uniformly among
/// the classes present in the training slices, then a slice containing it, uniformly; so thin and rare muscles are seen
/// in about that fraction of each batch whatever their share of slices.
/// </summary>
/// <remarks>
/// Immutable; every call derives its own generator from (<see cref="Seed"/>, epoch) through <see cref="Seeds"/>, so calls
/// are reproducible and thread-safe. Slices are taken in the order of the stacks given, slice 0 first.
/// </remarks>
public sealed class PositionalSliceSampler
{
    private readonly PositionalSlice[] _slices;
    private readonly PositionalSlice[][] _slicesWithClass;

    private PositionalSliceSampler(IReadOnlyList<SliceStack> stacks, int seed, bool requireLabels, double classAwareFraction = 0)
    {
        if (!(classAwareFraction is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(classAwareFraction), classAwareFraction, "The class-aware fraction must be in [0, 1].");
        }
        if (classAwareFraction > 0 && !requireLabels)
        {
            throw new ArgumentException("Class-aware sampling needs labelled stacks (fine-tuning).", nameof(classAwareFraction));
        }
        var slices = new List<PositionalSlice>();
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var st in stacks)
        {
            ArgumentNullException.ThrowIfNull(st, nameof(stacks));
            if (requireLabels && st.Labels is null)
            {
                throw new DatasetException($"Subject '{st.SubjectId}' ({st.Part}) has no labels; fine-tuning needs labelled subjects.");
            }
            ids.Add(st.SubjectId);
            for (int k = 0; k < st.Depth; k++)
            {
                slices.Add(new PositionalSlice(st, k));
            }
        }
        if (slices.Count == 0)
        {
            throw new DatasetException("No slices to sample: the subject list is empty.");
        }
        _slices = [.. slices];
        Seed = seed;
        SubjectIds = [.. ids];
        ClassAwareFraction = classAwareFraction;
        (ForegroundClasses, _slicesWithClass) = classAwareFraction > 0 ? IndexByClass(_slices) : ([], []);
    }

    /// <summary>For each foreground label value present (ascending), the slices that contain it.</summary>
    private static (int[] Classes, PositionalSlice[][] Slices) IndexByClass(PositionalSlice[] slices)
    {
        var byClass = new SortedDictionary<int, List<PositionalSlice>>();
        foreach (var sl in slices)
        {
            var labels = sl.Stack.SliceLabels(sl.Index).Span;
            var seen = new HashSet<int>();
            foreach (int v in labels)
            {
                if (v > 0 && seen.Add(v))
                {
                    if (!byClass.TryGetValue(v, out var list))
                    {
                        byClass[v] = list = [];
                    }
                    list.Add(sl);
                }
            }
        }
        return ([.. byClass.Keys], [.. byClass.Values.Select(l => l.ToArray())]);
    }

    /// <summary>A sampler over the slices of unlabelled (or any) subjects for pretraining; labels, if any, are ignored.</summary>
    /// <exception cref="ArgumentException">A subject is given twice.</exception>
    /// <exception cref="DatasetException">No slices.</exception>
    public static PositionalSliceSampler ForPretraining(IEnumerable<PreparedSubject> subjects, int seed) => new(StacksOf(subjects), seed, requireLabels: false);

    /// <summary>A sampler over labelled subjects for fine-tuning.</summary>
    /// <exception cref="ArgumentException">A subject is given twice.</exception>
    /// <exception cref="DatasetException">A subject has no labels, or no slices.</exception>
    public static PositionalSliceSampler ForFineTuning(IEnumerable<PreparedSubject> subjects, int seed) => new(StacksOf(subjects), seed, requireLabels: true);

    /// <summary>A sampler over prepared stacks (for example both thighs of several subjects), in the order given.</summary>
    /// <param name="stacks">The stacks.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="requireLabels">Whether every stack must carry labels (fine-tuning).</param>
    /// <exception cref="DatasetException">A stack lacks labels when they are required, or there are no slices.</exception>
    public static PositionalSliceSampler ForStacks(IEnumerable<SliceStack> stacks, int seed, bool requireLabels)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        return new([.. stacks], seed, requireLabels);
    }

    /// <summary>A sampler over labelled stacks for fine-tuning with class-aware sampling (see the class remarks).</summary>
    /// <param name="stacks">The labelled stacks.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="classAwareFraction">Fraction of each batch drawn from slices containing a randomly chosen foreground
    /// class, in [0, 1]; 0 gives exactly the batches of <see cref="ForStacks(IEnumerable{SliceStack}, int, bool)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classAwareFraction"/> is outside [0, 1].</exception>
    /// <exception cref="DatasetException">A stack lacks labels, or there are no slices.</exception>
    public static PositionalSliceSampler ForStacks(IEnumerable<SliceStack> stacks, int seed, double classAwareFraction)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        return new([.. stacks], seed, requireLabels: true, classAwareFraction);
    }

    /// <summary>Fraction of each batch drawn class-aware (0: plain shuffles).</summary>
    public double ClassAwareFraction { get; }

    /// <summary>The foreground label values present in the training slices (ascending), the classes class-aware draws
    /// choose among; empty when class-aware sampling is off.</summary>
    public IReadOnlyList<int> ForegroundClasses { get; }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The subjects sampled from (sorted).</summary>
    public IReadOnlyList<string> SubjectIds { get; }

    /// <summary>Number of slices per epoch.</summary>
    public int Count => _slices.Length;

    /// <summary>Batches per epoch: <paramref name="stepsPerEpoch"/> when given, else one pass
    /// (<c>max(1, Count / batchSize)</c>).</summary>
    public int BatchesPerEpoch(int batchSize, int? stepsPerEpoch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return stepsPerEpoch ?? Math.Max(1, _slices.Length / batchSize);
    }

    /// <summary>All slices in a seeded random order for epoch <paramref name="epoch"/> (a different order each epoch);
    /// the first shuffle that <see cref="Batches"/> cuts into batches.</summary>
    public IReadOnlyList<PositionalSlice> Epoch(int epoch)
    {
        var order = (PositionalSlice[])_slices.Clone();
        GeneratorFor(epoch).Shuffle(order);
        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>: consecutive runs of <c>min(batchSize, Count)</c> slices from a
    /// seeded shuffle; without <paramref name="stepsPerEpoch"/> one pass (the incomplete last batch dropped unless it is
    /// the only one), with it exactly that many batches, reshuffling (from the same generator) whenever a shuffle runs out.
    /// </summary>
    public IEnumerable<PositionalSlice[]> Batches(int epoch, int batchSize, int? stepsPerEpoch = null)
    {
        int steps = BatchesPerEpoch(batchSize, stepsPerEpoch);
        if (steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "Steps per epoch must be at least 1.");
        }
        int b = Math.Min(batchSize, _slices.Length);
        int forced = _slicesWithClass.Length == 0 ? 0 : (int)Math.Round(ClassAwareFraction * b, MidpointRounding.AwayFromZero);
        return Iterate(GeneratorFor(epoch), b, steps, forced, new Random(Seeds.Derive(Seed, Seeds.ClassSampling, epoch)));
    }

    private IEnumerable<PositionalSlice[]> Iterate(Random rng, int b, int steps, int forced, Random classRng)
    {
        var order = new List<PositionalSlice>();
        int cursor = 0;
        int regular = b - forced;
        for (int s = 0; s < steps; s++)
        {
            if (cursor + regular > order.Count)
            {
                var shuffled = (PositionalSlice[])_slices.Clone();
                rng.Shuffle(shuffled);
                order.RemoveRange(0, cursor);
                order.AddRange(shuffled);
                cursor = 0;
            }
            var batch = new PositionalSlice[b];
            order.CopyTo(cursor, batch, 0, regular);
            for (int i = regular; i < b; i++)
            {
                var withClass = _slicesWithClass[classRng.Next(_slicesWithClass.Length)];
                batch[i] = withClass[classRng.Next(withClass.Length)];
            }
            yield return batch;
            cursor += regular;
        }
    }

    private Random GeneratorFor(int epoch) => new(Seeds.Derive(Seed, Seeds.Sampling, epoch));

    private static List<SliceStack> StacksOf(IEnumerable<PreparedSubject> subjects)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var stacks = new List<SliceStack>();
        foreach (var s in subjects)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(subjects));
            if (!ids.Add(s.SubjectId))
            {
                throw new ArgumentException($"Subject '{s.SubjectId}' is given twice.", nameof(subjects));
            }
            stacks.AddRange(s.Stacks);
        }
        return stacks;
    }
}
