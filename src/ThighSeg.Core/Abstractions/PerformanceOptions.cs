namespace ThighSeg.Core.Abstractions;

/// <summary>
/// How the forward passes of pretraining, fine-tuning and inference run on the device, without changing what is
/// computed: numeric <see cref="Precision"/>, the <see cref="ChannelsLast"/> memory layout and cuDNN autotuning. One
/// record shared by <see cref="PretrainOptions.Performance"/>, <see cref="FineTuneOptions.Performance"/> and prediction,
/// so <c>with</c> changes one setting everywhere. The defaults (fp32, NCHW, no autotuning) are TorchSharp's and
/// PyTorch's; docs/training.md ("Precision and memory layout") says what each switch does and what was measured.
/// Immutable; every value is validated when set.
/// </summary>
public sealed record PerformanceOptions
{
    /// <summary>fp32, NCHW, no cuDNN autotuning.</summary>
    public static PerformanceOptions Default { get; } = new();

    /// <summary>
    /// Precision of the forward passes (<see cref="Precision.Fp32"/> by default). With <see cref="Precision.Bf16"/>,
    /// convolutions and linear layers run in bfloat16 under libtorch's autocast while master weights, optimizer state,
    /// losses, softmax and batch-norm statistics stay fp32.
    /// </summary>
    public Precision Precision
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Precision), value, $"Precision must be Fp32 or Bf16, got {value}.");
    } = Precision.Fp32;

    /// <summary>
    /// Keep inputs, activations and convolution weights in channels-last (NHWC) memory layout, as PyTorch's
    /// <c>memory_format=torch.channels_last</c>. Results are the same up to rounding; speed depends on the device.
    /// </summary>
    public bool ChannelsLast { get; init; }

    /// <summary>
    /// Let cuDNN time its convolution algorithms for each new shape and keep the fastest (PyTorch's
    /// <c>torch.backends.cudnn.benchmark</c>), for the duration of a training or prediction call; the previous setting
    /// is restored afterwards. Only cuDNN (CUDA) reads it; on the CPU it changes nothing.
    /// </summary>
    public bool CudnnBenchmark { get; init; }

    /// <summary>A short description for logs and reports, such as <c>bf16, channels-last, cudnn-benchmark</c>.</summary>
    public override string ToString() =>
        string.Join(", ", new[] { Precision.ToString().ToLowerInvariant(), ChannelsLast ? "channels-last" : "nchw", CudnnBenchmark ? "cudnn-benchmark" : null }.OfType<string>());
}
