using ThighSeg.Core.Preprocessing;

namespace ThighSeg.Core.Data;

/// <summary>
/// Draws <see cref="PositionalSlice"/>s from whole subjects (never from slice indices, so a subject's slices can
/// never straddle a split): every slice of every stack once per epoch, shuffled across subjects and levels with a
/// seeded generator. Use <see cref="ForPretraining"/> for self-supervised pretraining (labels ignored) and
/// <see cref="ForFineTuning"/> for supervised fine-tuning (every stack must carry labels).
/// </summary>
/// <remarks>Immutable; every call derives its own generator from (seed, epoch), so calls are reproducible and thread-safe.</remarks>
public sealed class PositionalSliceSampler
{
    private readonly PositionalSlice[] _slices;

    private PositionalSliceSampler(IEnumerable<PreparedSubject> subjects, int seed, bool requireLabels)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var list = subjects.ToList();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in list)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(subjects));
            if (!ids.Add(s.SubjectId))
            {
                throw new ArgumentException($"Subject '{s.SubjectId}' is given twice.", nameof(subjects));
            }
        }
        var slices = new List<PositionalSlice>();
        foreach (var s in list)
        {
            foreach (var st in s.Stacks)
            {
                if (requireLabels && st.Labels is null)
                {
                    throw new DatasetException($"Subject '{s.SubjectId}' ({st.Part}) has no labels; fine-tuning needs labelled subjects.");
                }
                for (int k = 0; k < st.Depth; k++)
                {
                    slices.Add(new PositionalSlice(st, k));
                }
            }
        }
        if (slices.Count == 0)
        {
            throw new DatasetException("No slices to sample: the subject list is empty.");
        }
        _slices = [.. slices];
        Seed = seed;
        SubjectIds = [.. ids.Order(StringComparer.Ordinal)];
    }

    /// <summary>A sampler over the slices of unlabelled (or any) subjects for pretraining; labels, if any, are ignored.</summary>
    public static PositionalSliceSampler ForPretraining(IEnumerable<PreparedSubject> subjects, int seed) => new(subjects, seed, requireLabels: false);

    /// <summary>A sampler over labelled subjects for fine-tuning.</summary>
    /// <exception cref="DatasetException">A subject has no labels.</exception>
    public static PositionalSliceSampler ForFineTuning(IEnumerable<PreparedSubject> subjects, int seed) => new(subjects, seed, requireLabels: true);

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The subjects sampled from (sorted).</summary>
    public IReadOnlyList<string> SubjectIds { get; }

    /// <summary>Number of slices per epoch.</summary>
    public int Count => _slices.Length;

    /// <summary>All slices in a seeded random order for epoch <paramref name="epoch"/> (a different order each epoch).</summary>
    public IReadOnlyList<PositionalSlice> Epoch(int epoch)
    {
        var order = (PositionalSlice[])_slices.Clone();
        new Random(HashCode32(Seed, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>The slices of epoch <paramref name="epoch"/> in batches of <paramref name="batchSize"/>; the last, smaller
    /// batch is dropped when <paramref name="dropLast"/> is true (unless it would leave no batch at all).</summary>
    public IEnumerable<IReadOnlyList<PositionalSlice>> Batches(int epoch, int batchSize, bool dropLast = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = Epoch(epoch);
        int full = order.Count / batchSize;
        for (int b = 0; b < full; b++)
        {
            yield return order.Skip(b * batchSize).Take(batchSize).ToArray();
        }
        int rest = order.Count - (full * batchSize);
        if (rest > 0 && (!dropLast || full == 0))
        {
            yield return order.Skip(full * batchSize).ToArray();
        }
    }

    private static int HashCode32(int seed, int epoch)
    {
        ulong z = ((ulong)(uint)seed << 32) ^ (uint)epoch;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
