using ThighSeg.Core.Data;
using ThighSeg.Torch.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>Per-iteration cosine decay from <c>lr0</c> to <c>lrMin</c> over <c>total</c> steps (step 0 uses lr0).</summary>
internal static class CosineSchedule
{
    public static double At(long step, long total, double lr0, double lrMin)
    {
        if (total <= 0)
        {
            return lr0;
        }
        double t = Math.Clamp((double)step / total, 0, 1);
        return lrMin + ((lr0 - lrMin) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }
}

/// <summary>Deterministic seed derivation: independent streams for (seed, purpose, index) without global state.</summary>
internal static class Seeds
{
    public const int Sampling = 1;
    public const int Augmentation = 2;
    public const int Initialisation = 3;
    public const int Split = 4;

    public static int Derive(int seed, int stream, long index)
    {
        ulong x = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)stream << 48) ^ (ulong)index);
        // SplitMix64 finaliser.
        x = unchecked(x + 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }
}

/// <summary>
/// Draws batches of slices for one epoch: a seeded shuffle of all slices, cut into batches of <c>batchSize</c>
/// (an incomplete last batch is dropped unless it is the only one); with a fixed step count, shuffles are chained
/// until that many batches are drawn. Deterministic in (seed, epoch).
/// </summary>
internal sealed class SliceSampler
{
    private readonly PositionalSlice[] _slices;

    public SliceSampler(IEnumerable<SliceStack> stacks)
    {
        _slices = stacks.SelectMany(s => Enumerable.Range(0, s.Depth).Select(k => new PositionalSlice(s, k))).ToArray();
    }

    public int SliceCount => _slices.Length;

    public int StepsPerEpoch(int batchSize, int? fixedSteps) => fixedSteps ?? Math.Max(1, _slices.Length / batchSize);

    public IEnumerable<PositionalSlice[]> Epoch(int seed, int epoch, int batchSize, int? fixedSteps)
    {
        var rng = new Random(Seeds.Derive(seed, Seeds.Sampling, epoch));
        int steps = StepsPerEpoch(batchSize, fixedSteps);
        int b = Math.Min(batchSize, _slices.Length);
        var order = new List<PositionalSlice>();
        int cursor = 0;
        for (int s = 0; s < steps; s++)
        {
            if (cursor + b > order.Count)
            {
                var shuffled = (PositionalSlice[])_slices.Clone();
                rng.Shuffle(shuffled);
                order.RemoveRange(0, cursor);
                order.AddRange(shuffled);
                cursor = 0;
            }
            yield return order.GetRange(cursor, b).ToArray();
            cursor += b;
        }
    }
}

/// <summary>
/// Accumulates step losses on the device without host synchronisation; <see cref="Drain"/> reads them back (one sync).
/// Owns two tensors; dispose it.
/// </summary>
internal sealed class LossMeter : IDisposable
{
    private readonly Tensor _sum;
    private long _count;

    public LossMeter(Device device)
    {
        _sum = zeros(1, dtype: ScalarType.Float64, device: device);
    }

    public long Count => _count;

    /// <summary>Adds a scalar loss (in place, no sync).</summary>
    public void Add(Tensor loss)
    {
        using var d = loss.detach().to_type(ScalarType.Float64).reshape(1);
        _sum.add_(d, Scalars.One);
        _count++;
    }

    /// <summary>Returns the mean since the last drain (NaN when empty) and resets.</summary>
    public double Drain()
    {
        if (_count == 0)
        {
            return double.NaN;
        }
        double mean = _sum.item<double>() / _count;
        _sum.zero_();
        _count = 0;
        return mean;
    }

    public void Dispose() => _sum.Dispose();
}
