using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Losses;

/// <summary>
/// Supervised-contrastive losses in the SupCon "out" form used by the positional contrastive learning reference:
/// <c>L = -(tau / tau_base) · mean_a [ (1/|P(a)|) Σ_{b∈P(a)} ( s_ab − log Σ_{c≠a} exp(s_ac) ) ]</c>, with
/// <c>s_ab = cos(z_a, z_b) / tau</c>. Everything runs on the embeddings' device, in a handful of vectorised ops;
/// the log-sum-exp is computed stably (max-shifted by libtorch).
/// </summary>
/// <remarks>
/// Layout: <c>2N</c> samples, the first N are view 1 of slices 0..N-1 and the next N are view 2 of the same slices
/// (sample i and i+N are the two views of slice i). Every anchor always has at least the other view as positive.
/// Stateless and thread-safe; tensors returned belong to the caller's dispose scope.
/// </remarks>
internal static class ContrastiveLoss
{
    /// <summary>The generic SupCon "out" loss for embeddings <c>[M, D]</c> and a positive mask <c>[M, M]</c> (diagonal
    /// ignored): boolean, or non-negative float weights (soft positives: the positive term of anchor a becomes
    /// <c>Σ_b w_ab (s_ab − lse_a) / Σ_b w_ab</c>, which is the boolean form when the weights are 0 or 1).</summary>
    /// <remarks>
    /// Computed in the reordered form <c>(1/|P(a)|) Σ_b s_ab − lse_a</c> (the log-sum-exp is constant along a row), so
    /// no <c>[M, M]</c> log-probability matrix is built: one matmul of the pre-scaled embeddings, the diagonal masked
    /// to −inf in one op for the log-sum-exp, and one masked row sum for the positives. Anchors without positives
    /// contribute 0 (as in the unfused form). Measured before/after in docs/benchmarks.md.
    /// </remarks>
    public static Tensor SupCon(Tensor embeddings, Tensor positives, double temperature, double baseTemperature)
    {
        long m = embeddings.shape[0];
        Tensor z = nn.functional.normalize(embeddings, p: 2, dim: 1);
        Tensor sim = z.div(Scalars.Of(temperature)).matmul(z.t());
        Tensor self = eye(m, dtype: ScalarType.Bool, device: embeddings.device);
        Tensor lse = sim.masked_fill(self, Scalars.Of(double.NegativeInfinity)).logsumexp(1);
        Tensor pos = positives.dtype == ScalarType.Bool
            ? positives.masked_fill(self, Scalars.False).to_type(embeddings.dtype)
            : positives.to_type(embeddings.dtype).masked_fill(self, Scalars.Zero);
        Tensor count = pos.sum(1);
        Tensor posSim = sim.mul(pos).sum(1);
        Tensor meanLogProbPos = posSim.div_(count.clamp_min(Scalars.Of(1.0))).sub_(lse.mul(count.gt(Scalars.Zero)));
        return meanLogProbPos.mean().mul_(Scalars.Of(-(temperature / baseTemperature)));
    }

    /// <summary>PCL: positives are pairs whose positions <c>[M]</c> differ by less than <paramref name="threshold"/>.</summary>
    public static Tensor Positional(Tensor embeddings, Tensor positions, double threshold, double temperature, double baseTemperature)
    {
        Tensor p = positions.to_type(ScalarType.Float32).reshape(-1, 1);
        Tensor mask = p.Minus(p.t()).abs_().lt(Scalars.Of(threshold));
        return SupCon(embeddings, mask, temperature, baseTemperature);
    }

    /// <summary>PCL with soft positives (WSP): every pair weighted by <c>exp(−(Δp)²/(2σ²))</c> for positions <c>[M]</c>.</summary>
    public static Tensor SoftPositional(Tensor embeddings, Tensor positions, double sigma, double temperature, double baseTemperature)
    {
        Tensor p = positions.to_type(ScalarType.Float32).reshape(-1, 1);
        Tensor d = p.Minus(p.t());
        Tensor weights = d.mul(d).mul_(Scalars.Of(-1.0 / (2 * sigma * sigma))).exp_();
        return SupCon(embeddings, weights, temperature, baseTemperature);
    }

    /// <summary>GCL: positives are pairs in the same partition <c>[M]</c> (integer partition indices).</summary>
    public static Tensor Partition(Tensor embeddings, Tensor partitions, double temperature, double baseTemperature)
    {
        Tensor g = partitions.reshape(-1, 1);
        Tensor mask = g.eq(g.t());
        return SupCon(embeddings, mask, temperature, baseTemperature);
    }

    /// <summary>SimCLR: the only positive of sample i is i ± N (the other view of the same slice).</summary>
    public static Tensor SimClr(Tensor embeddings, double temperature, double baseTemperature)
    {
        long m = embeddings.shape[0];
        if (m % 2 != 0)
        {
            throw new ArgumentException($"SimCLR needs two views per slice (an even count), got {m} embeddings.", nameof(embeddings));
        }
        Tensor id = arange(m / 2, dtype: ScalarType.Int64, device: embeddings.device).repeat(2).reshape(-1, 1);
        Tensor mask = id.eq(id.t());
        return SupCon(embeddings, mask, temperature, baseTemperature);
    }

    /// <summary>
    /// GCL partition of a slice with normalised position <c>p = (k+1)/K</c>: <c>ceil(p·P) − 1</c> clamped to
    /// [0, P−1]; with K a multiple of P this gives P equal partitions (k·P/K rounded down).
    /// </summary>
    public static long PartitionOf(double position, int partitions)
    {
        long g = (long)Math.Ceiling(position * partitions - 1e-9) - 1;
        return Math.Clamp(g, 0, partitions - 1);
    }

    /// <summary>The loss of <paramref name="method"/> for embeddings <c>[2N, D]</c> and positions <c>[2N]</c> (float32, on the device).</summary>
    public static Tensor For(ContrastiveMethod method, Tensor embeddings, Tensor positions, Tensor? partitions, PretrainOptions options) => method switch
    {
        ContrastiveMethod.Pcl when options.Positives == PositivePairs.Soft => SoftPositional(embeddings, positions, options.Sigma, options.Temperature, options.BaseTemperature),
        ContrastiveMethod.Pcl => Positional(embeddings, positions, options.Threshold, options.Temperature, options.BaseTemperature),
        ContrastiveMethod.Gcl => Partition(embeddings, partitions ?? throw new ArgumentNullException(nameof(partitions)), options.Temperature, options.BaseTemperature),
        ContrastiveMethod.SimClr => SimClr(embeddings, options.Temperature, options.BaseTemperature),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown contrastive method."),
    };
}
