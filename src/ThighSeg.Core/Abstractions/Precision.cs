namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Numeric precision of the forward passes of training and inference. Master weights, optimizer state, losses,
/// softmax and batch-norm statistics stay in fp32 in every mode.
/// </summary>
public enum Precision
{
    /// <summary>Everything in 32-bit floating point (the default).</summary>
    Fp32,

    /// <summary>
    /// bf16 mixed precision: libtorch's autocast runs convolutions, transposed convolutions and linear layers in
    /// bfloat16 and keeps the rest (batch norm statistics, losses, softmax) in fp32. Needs a libtorch whose autocast
    /// entry points ThighSeg can bind (checked at start-up) and, on CUDA, a GPU with bf16 support (Ampere or newer).
    /// </summary>
    Bf16,
}
