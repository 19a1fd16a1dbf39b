using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// 2D batch normalisation (PyTorch semantics: momentum 0.1, eps 1e-5, affine, running statistics; batch statistics in
/// training mode and running statistics in evaluation mode) over <c>functional.batch_norm</c>.
/// </summary>
/// <remarks>
/// Replaces TorchSharp's <c>BatchNorm2d</c>, whose forward pass counts batches with <c>num_batches_tracked.add_(1)</c>
/// through two temporary <see cref="Scalar"/>s that the garbage collector may free while libtorch reads them (see
/// <see cref="Scalars"/>); long training runs died in that call. The parameter and buffer names (<c>weight</c>,
/// <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>) are TorchSharp's and PyTorch's, so
/// saved weights load either way.
/// </remarks>
internal sealed class SafeBatchNorm2d : nn.Module<Tensor, Tensor>
{
    private const double Momentum = 0.1;
    private const double Eps = 1e-5;

    public SafeBatchNorm2d(long channels) : base("BatchNorm2d")
    {
        register_parameter("weight", new Parameter(ones(channels)));
        register_parameter("bias", new Parameter(zeros(channels)));
        register_buffer("running_mean", zeros(channels));
        register_buffer("running_var", ones(channels));
        register_buffer("num_batches_tracked", zeros(Array.Empty<long>(), dtype: ScalarType.Int64));
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4)
        {
            throw new ArgumentException($"BatchNorm expects [N, C, H, W] input, got {input.dim()} dimensions.", nameof(input));
        }
        if (training)
        {
            using var noGrad = no_grad();
            // In-place: the result is the buffer itself, so it is not disposed here.
            get_buffer("num_batches_tracked")!.add_(Scalars.One, Scalars.One);
        }
        return nn.functional.batch_norm(
            input,
            get_buffer("running_mean")!,
            get_buffer("running_var")!,
            get_parameter("weight")!,
            get_parameter("bias")!,
            training,
            Momentum,
            Eps);
    }
}
