using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// Accumulates step losses on the device without host synchronisation; <see cref="Drain"/> reads them back (one sync).
/// Owns one tensor; dispose it.
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
