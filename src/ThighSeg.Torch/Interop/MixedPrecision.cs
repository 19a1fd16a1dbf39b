using ThighSeg.Core.Abstractions;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// The pieces a training loop or a predictor puts around its forward passes for <see cref="Precision"/>: a start-up
/// check, the autocast scope, and the cast of the network outputs back to fp32 before losses and softmax.
/// </summary>
/// <remarks>
/// The pattern (one training step; parameters and optimizer state stay fp32, so the gradients that reach the optimizer
/// are fp32):
/// <code>
/// MixedPrecision.Require(precision, device);            // once, at start-up: a clear error instead of a late failure
/// using var step = torch.NewDisposeScope();
/// Tensor logits;
/// using (MixedPrecision.Autocast(precision, device))    // only the forward pass under autocast
/// {
///     logits = net.forward(images);
/// }
/// Tensor loss = SegmentationLoss.Compute(MixedPrecision.ToFloat32(logits), target, diceWeight);
/// loss.backward();                                      // outside the scope, as PyTorch recommends
/// optimizer.Step();
/// </code>
/// bf16 has fp32's exponent range, so no loss scaling (GradScaler) is needed. Batch norm under CPU and CUDA autocast
/// takes bf16 activations with fp32 weights and running statistics and accumulates in fp32.
/// </remarks>
public static class MixedPrecision
{
    /// <summary>
    /// Checks once, before any work, that <paramref name="precision"/> can run on <paramref name="device"/>: for bf16,
    /// that libtorch's autocast entry points bind (<see cref="LibTorchInterop.Current"/>). Nothing to check for fp32.
    /// </summary>
    /// <exception cref="LibTorchInteropException">bf16 was asked for and the entry points cannot be bound; the message says why.</exception>
    public static void Require(Precision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (precision == Precision.Bf16)
        {
            _ = LibTorchInterop.Current;
        }
    }

    /// <summary>The autocast scope for <paramref name="precision"/>: bf16 autocast, or a no-op scope for fp32.</summary>
    /// <exception cref="LibTorchInteropException">bf16 was asked for and the entry points cannot be bound.</exception>
    public static AutocastScope Autocast(Precision precision, Device device) => AutocastScope.Enter(precision, device);

    /// <summary>
    /// The one forward pass of training, validation and inference under <paramref name="performance"/>: the input is
    /// moved to channels-last when <see cref="PerformanceOptions.ChannelsLast"/> is set, only
    /// <c>module.forward</c> runs inside the autocast scope of <see cref="PerformanceOptions.Precision"/>, and the output
    /// comes back as fp32 (<see cref="ToFloat32"/>), ready for losses, softmax and argmax. Call inside a dispose scope.
    /// </summary>
    /// <exception cref="LibTorchInteropException">bf16 was asked for and the entry points cannot be bound.</exception>
    public static Tensor Forward(nn.Module<Tensor, Tensor> module, Tensor input, PerformanceOptions performance, Device device)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(performance);
        Tensor x = performance.ChannelsLast && !TorchPerformance.IsChannelsLast(input) ? TorchPerformance.ToChannelsLast(input) : input;
        Tensor output;
        using (Autocast(performance.Precision, device))
        {
            output = module.forward(x);
        }
        return ToFloat32(output);
    }

    /// <summary>
    /// <paramref name="tensor"/> as fp32: the tensor itself when it already is, else a (differentiable) cast. Apply it to
    /// logits and embeddings before losses, softmax and argmax. Call inside a dispose scope.
    /// </summary>
    public static Tensor ToFloat32(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.dtype == ScalarType.Float32 ? tensor : tensor.to_type(ScalarType.Float32);
    }
}
